-- Access to Label Studio's database (labelfish): run once, and again whenever in doubt (it is
-- idempotent), by the database's owner (labelfish_owner on CrunchyBridge), connected to it:
--
--   psql -1 -v ON_ERROR_STOP=1 -v ls_user=<Label Studio's login role> -f sql/labelfish/provision.sql "$LABELFISH_OWNER_URL"
--
-- Never run by `oceanid migrate`, which refuses labelfish: Label Studio's own Django migrations
-- own its schema. Create the login role first, out of band so its password stays out of files
-- and shell history (CrunchyBridge dashboard or `cb role create`; elsewhere CREATE ROLE ... LOGIN).
--
-- What it does: Postgres grants CONNECT and TEMPORARY on every new database to PUBLIC, so every
-- role on the cluster (the cleandata BI role's members too) could connect to labelfish. This
-- revokes that and grants Label Studio's role what it needs: CONNECT, CREATE and TEMPORARY on the
-- database, and CREATE on schema public, where its migrations create their tables (PUBLIC has no
-- CREATE there since Postgres 15). The owner and superusers keep their access.
\set ON_ERROR_STOP on
\if :{?ls_user}
SELECT set_config('labelfish.ls_user', :'ls_user', false) IS NOT NULL AS ls_user_set;
\else
DO $$ BEGIN RAISE EXCEPTION 'pass Label Studio''s login role: psql -v ls_user=<role> -f sql/labelfish/provision.sql'; END $$;
\endif

DO $$
DECLARE
  ls_user text := current_setting('labelfish.ls_user');
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = ls_user AND rolcanlogin) THEN
    RAISE EXCEPTION 'no login role %: create Label Studio''s login role first (CrunchyBridge dashboard or cb role create), then rerun', ls_user;
  END IF;
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT CONNECT, CREATE, TEMPORARY ON DATABASE %I TO %I', current_database(), ls_user);
  EXECUTE format('GRANT USAGE, CREATE ON SCHEMA public TO %I', ls_user);
  RAISE NOTICE 'database %: only its owner, superusers and % may connect', current_database(), ls_user;
END
$$;
