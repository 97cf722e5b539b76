-- Read-only access for BI to the curated schema, and nothing else. Roles are cluster-wide while
-- this file runs once per database (and databases migrate independently), so the role is created
-- and described only when missing, and a concurrent creation elsewhere is not an error. (Commenting
-- on every run would update one shared catalog row from several databases at once.)
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'cleandata_bi_readonly') THEN
    BEGIN
      CREATE ROLE cleandata_bi_readonly NOLOGIN;
      COMMENT ON ROLE cleandata_bi_readonly IS 'Group role for BI: SELECT on the curated schema only. Grant it to BI login roles.';
    EXCEPTION WHEN duplicate_object THEN
      NULL;
    END;
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO cleandata_bi_readonly', current_database());
END
$$;

GRANT USAGE ON SCHEMA curated TO cleandata_bi_readonly;
GRANT SELECT ON ALL TABLES IN SCHEMA curated TO cleandata_bi_readonly;
-- Tables and views that later migrations create in curated are readable too.
ALTER DEFAULT PRIVILEGES IN SCHEMA curated GRANT SELECT ON TABLES TO cleandata_bi_readonly;
