-- BI reads every table and view in curated, whichever role creates it. V8's default privileges
-- only cover objects created by the role that ran V8 (default privileges belong to the creating
-- role), so a table added later by another migration role stayed invisible to BI. This event
-- trigger grants SELECT on each relation created in (or moved into) curated, as the role doing
-- the DDL, which owns it and so may grant.
CREATE FUNCTION control.grant_curated_select_to_bi() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  relation record;
BEGIN
  FOR relation IN
    SELECT object_identity FROM pg_catalog.pg_event_trigger_ddl_commands()
     WHERE schema_name = 'curated' AND object_type IN ('table', 'view', 'materialized view', 'foreign table')
  LOOP
    EXECUTE format('GRANT SELECT ON %s TO cleandata_bi_readonly', relation.object_identity);
  END LOOP;
END
$$;
COMMENT ON FUNCTION control.grant_curated_select_to_bi() IS 'Event trigger: SELECT for cleandata_bi_readonly on every relation created in curated.';

-- Creating an event trigger takes superuser (cleandata migrations run as the cluster's postgres
-- superuser). A role without it gets a warning and BI keeps only V8's default privileges.
DO $$
BEGIN
  IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    CREATE EVENT TRIGGER cleandata_curated_readable_by_bi ON ddl_command_end
      WHEN TAG IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO', 'CREATE VIEW', 'CREATE MATERIALIZED VIEW', 'CREATE FOREIGN TABLE',
                   'ALTER TABLE', 'ALTER VIEW', 'ALTER MATERIALIZED VIEW', 'ALTER FOREIGN TABLE')
      EXECUTE FUNCTION control.grant_curated_select_to_bi();
  ELSE
    RAISE WARNING '% is not a superuser, so the event trigger letting BI read curated tables that other roles create was not created. A superuser can add it with the CREATE EVENT TRIGGER statement of V11__bi_reads_curated_whoever_creates.sql.', current_user;
  END IF;
END
$$;

-- Relations other roles created in curated before this file.
GRANT SELECT ON ALL TABLES IN SCHEMA curated TO cleandata_bi_readonly;
