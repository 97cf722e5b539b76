-- IMO ship numbers carry a check digit: the last digit is the sum of the first six multiplied
-- by 7, 6, 5, 4, 3, 2, modulo 10 (e.g. 9074729). Typos in extracted IMO numbers fail here.
CREATE FUNCTION curated.imo_number_is_valid(imo integer) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN imo BETWEEN 1000000 AND 9999999
   AND ((imo / 1000000) * 7 + (imo / 100000 % 10) * 6 + (imo / 10000 % 10) * 5
        + (imo / 1000 % 10) * 4 + (imo / 100 % 10) * 3 + (imo / 10 % 10) * 2) % 10 = imo % 10;

CREATE TABLE curated.flag_state (
  iso3 char(3) PRIMARY KEY CONSTRAINT flag_state_iso3_format CHECK (iso3 ~ '^[A-Z]{3}$'),
  name text NOT NULL CONSTRAINT flag_state_name_unique UNIQUE
);

CREATE TABLE curated.rfmo (
  rfmo_code text PRIMARY KEY CONSTRAINT rfmo_code_format CHECK (rfmo_code ~ '^[A-Z]{2,10}$'),
  name      text NOT NULL CONSTRAINT rfmo_name_unique UNIQUE,
  source_id smallint REFERENCES raw.source
);

-- The vessel identity everything else hangs off. Many small fishing vessels have no IMO number.
CREATE TABLE curated.vessel (
  vessel_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  imo_number integer CONSTRAINT vessel_imo_unique UNIQUE CONSTRAINT vessel_imo_valid CHECK (curated.imo_number_is_valid(imo_number)),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Facts from the IMO registry, one row per IMO number.
CREATE TABLE curated.imo_registry (
  imo_number    integer PRIMARY KEY REFERENCES curated.vessel (imo_number),
  ship_name     text NOT NULL,
  ship_type     text,
  gross_tonnage numeric(10, 1) CONSTRAINT imo_registry_tonnage_positive CHECK (gross_tonnage > 0),
  year_built    smallint CONSTRAINT imo_registry_year_built_plausible CHECK (year_built BETWEEN 1850 AND 2100),
  source_id     smallint NOT NULL REFERENCES raw.source,
  retrieved_at  timestamptz NOT NULL
);

-- Vessels on an RFMO's authorized list, under the RFMO's own record number, with the
-- authorization period. An RFMO record number names one vessel at a time, and a vessel holds
-- at most one authorization at a time per RFMO: enforced, not just documented.
CREATE TABLE curated.rfmo_vessel (
  rfmo_vessel_key      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rfmo_code            text NOT NULL REFERENCES curated.rfmo,
  rfmo_vessel_id       text NOT NULL,
  vessel_id            bigint NOT NULL REFERENCES curated.vessel,
  authorized           daterange NOT NULL CONSTRAINT rfmo_vessel_authorized_starts CHECK (NOT isempty(authorized) AND NOT lower_inf(authorized)),
  source_extraction_id bigint REFERENCES stage.extraction ON DELETE SET NULL,
  CONSTRAINT rfmo_vessel_record_no_overlap EXCLUDE USING gist (rfmo_code WITH =, rfmo_vessel_id WITH =, authorized WITH &&),
  CONSTRAINT rfmo_vessel_authorization_no_overlap EXCLUDE USING gist (rfmo_code WITH =, vessel_id WITH =, authorized WITH &&)
);
CREATE INDEX rfmo_vessel_vessel_idx ON curated.rfmo_vessel (vessel_id);
