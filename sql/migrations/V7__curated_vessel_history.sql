-- What a vessel was called and which flag it flew, over time. A vessel has one name and one
-- flag at any moment, so validity ranges of the same vessel may not overlap.
CREATE TABLE curated.vessel_flag (
  vessel_flag_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  vessel_id            bigint NOT NULL REFERENCES curated.vessel ON DELETE CASCADE,
  flag_state           char(3) NOT NULL REFERENCES curated.flag_state,
  valid_during         daterange NOT NULL CONSTRAINT vessel_flag_valid_nonempty CHECK (NOT isempty(valid_during)),
  source_extraction_id bigint REFERENCES stage.extraction ON DELETE SET NULL,
  CONSTRAINT vessel_flag_no_overlap EXCLUDE USING gist (vessel_id WITH =, valid_during WITH &&)
);

CREATE TABLE curated.vessel_name (
  vessel_name_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  vessel_id            bigint NOT NULL REFERENCES curated.vessel ON DELETE CASCADE,
  name                 text NOT NULL CONSTRAINT vessel_name_trimmed CHECK (name = btrim(name) AND name <> ''),
  valid_during         daterange NOT NULL CONSTRAINT vessel_name_valid_nonempty CHECK (NOT isempty(valid_during)),
  source_extraction_id bigint REFERENCES stage.extraction ON DELETE SET NULL,
  CONSTRAINT vessel_name_no_overlap EXCLUDE USING gist (vessel_id WITH =, valid_during WITH &&)
);

-- Dated events in a vessel's life. RFMO decisions (authorizations, IUU listings) name the RFMO.
CREATE TABLE curated.vessel_event (
  vessel_event_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  vessel_id            bigint NOT NULL REFERENCES curated.vessel ON DELETE CASCADE,
  event_type           text NOT NULL CONSTRAINT vessel_event_type_known CHECK (event_type IN ('authorization_granted', 'authorization_revoked', 'flag_change', 'name_change', 'ownership_change', 'iuu_listed', 'iuu_delisted', 'port_inspection')),
  occurred_on          date NOT NULL,
  rfmo_code            text REFERENCES curated.rfmo,
  details              jsonb NOT NULL DEFAULT '{}' CONSTRAINT vessel_event_details_object CHECK (jsonb_typeof(details) = 'object'),
  source_extraction_id bigint REFERENCES stage.extraction ON DELETE SET NULL,
  recorded_at          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT vessel_event_rfmo_decision_names_rfmo CHECK (event_type NOT IN ('authorization_granted', 'authorization_revoked', 'iuu_listed', 'iuu_delisted') OR rfmo_code IS NOT NULL)
);
CREATE INDEX vessel_event_vessel_occurred_idx ON curated.vessel_event (vessel_id, occurred_on DESC);
CREATE INDEX vessel_event_type_occurred_idx ON curated.vessel_event (event_type, occurred_on DESC);
