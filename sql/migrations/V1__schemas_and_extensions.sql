-- Schemas of the cleandata database, and the extensions the constraints below rely on.
-- btree_gist lets one exclusion constraint mix equality (vessel_id WITH =) with range overlap
-- (valid_during WITH &&); pg_trgm serves fuzzy vessel-name search. Both are trusted extensions,
-- so the database owner can create them on CrunchyBridge without superuser.
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE SCHEMA IF NOT EXISTS raw;
COMMENT ON SCHEMA raw IS 'Unprocessed source data exactly as ingested, with source and load metadata.';

CREATE SCHEMA IF NOT EXISTS stage;
COMMENT ON SCHEMA stage IS 'Documents and what was extracted from them, before review: written by the CSV ingestion worker and extractors.';

CREATE SCHEMA IF NOT EXISTS label;
COMMENT ON SCHEMA label IS 'Label Studio integration: projects, storages, tasks and annotation webhook events (ids are Label Studio''s).';

CREATE SCHEMA IF NOT EXISTS curated;
COMMENT ON SCHEMA curated IS 'Reviewed reference data: vessels, IMO registry, RFMO authorizations, flags and their history. Read by BI.';

-- Created here as well as by oceanid migrate (which keeps control.schema_versions in it), so the
-- files also apply with psql, dbmate or Flyway, which bring their own bookkeeping.
CREATE SCHEMA IF NOT EXISTS control;
COMMENT ON SCHEMA control IS 'Pipeline bookkeeping, including control.schema_versions (written by oceanid migrate).';

-- Keeps updated_at honest whichever writer touches a row.
CREATE FUNCTION control.set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
