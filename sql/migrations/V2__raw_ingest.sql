-- Where data comes from and each time we fetched it.
CREATE TABLE raw.source (
  source_id  smallint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code       text NOT NULL CONSTRAINT source_code_unique UNIQUE CONSTRAINT source_code_format CHECK (code ~ '^[a-z][a-z0-9_]*$'),
  kind       text NOT NULL CONSTRAINT source_kind_known CHECK (kind IN ('rfmo_list', 'flag_registry', 'imo_registry', 'document_upload', 'csv_export')),
  name       text NOT NULL,
  homepage   text CONSTRAINT source_homepage_http CHECK (homepage ~ '^https?://'),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE raw.batch (
  batch_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source_id   smallint NOT NULL REFERENCES raw.source,
  status      text NOT NULL DEFAULT 'running' CONSTRAINT batch_status_known CHECK (status IN ('running', 'succeeded', 'failed')),
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  loaded_by   text NOT NULL DEFAULT current_user,
  error       text,
  CONSTRAINT batch_finished_iff_done CHECK ((status = 'running') = (finished_at IS NULL)),
  CONSTRAINT batch_finished_after_start CHECK (finished_at >= started_at),
  CONSTRAINT batch_failure_has_error CHECK (status <> 'failed' OR error IS NOT NULL)
);
CREATE INDEX batch_source_started_idx ON raw.batch (source_id, started_at DESC);

-- One row per object fetched or uploaded (S3 key in the uploads bucket). The content hash makes
-- ingesting the same bytes twice a conflict instead of a duplicate.
CREATE TABLE raw.file (
  file_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  batch_id       bigint NOT NULL REFERENCES raw.batch ON DELETE CASCADE,
  object_key     text NOT NULL,
  original_name  text,
  media_type     text NOT NULL CONSTRAINT file_media_type_format CHECK (media_type ~ '^[a-z]+/[a-z0-9.+-]+$'),
  byte_size      bigint NOT NULL CONSTRAINT file_byte_size_nonnegative CHECK (byte_size >= 0),
  content_sha256 bytea NOT NULL CONSTRAINT file_sha256_length CHECK (octet_length(content_sha256) = 32),
  received_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT file_content_unique UNIQUE (content_sha256)
);
CREATE INDEX file_batch_idx ON raw.file (batch_id);

-- Rows of tabular sources (CSV, registry exports), verbatim as JSON objects.
CREATE TABLE raw.record (
  file_id    bigint NOT NULL REFERENCES raw.file ON DELETE CASCADE,
  row_number integer NOT NULL CONSTRAINT record_row_number_positive CHECK (row_number > 0),
  payload    jsonb NOT NULL CONSTRAINT record_payload_object CHECK (jsonb_typeof(payload) = 'object'),
  PRIMARY KEY (file_id, row_number)
);
