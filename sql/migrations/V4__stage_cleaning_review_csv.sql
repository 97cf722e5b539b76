-- Regex clean-ups applied to extracted text, per label, in priority order.
CREATE TABLE stage.cleaning_rule (
  cleaning_rule_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  label            text NOT NULL,
  pattern          text NOT NULL,
  replacement      text NOT NULL DEFAULT '',
  priority         integer NOT NULL CONSTRAINT cleaning_rule_priority_nonnegative CHECK (priority >= 0),
  is_active        boolean NOT NULL DEFAULT true,
  note             text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  -- Evaluating the pattern compiles it, so an invalid regex is rejected on insert, not at run time.
  CONSTRAINT cleaning_rule_pattern_compiles CHECK (('' ~ pattern) IS NOT NULL),
  CONSTRAINT cleaning_rule_order_unique UNIQUE (label, priority)
);

-- Extractions a person must look at, and why.
CREATE TABLE stage.review_queue (
  review_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  extraction_id bigint NOT NULL REFERENCES stage.extraction ON DELETE CASCADE,
  reason        text NOT NULL CONSTRAINT review_queue_reason_known CHECK (reason IN ('low_confidence', 'conflict', 'invalid_imo', 'unknown_flag', 'manual')),
  status        text NOT NULL DEFAULT 'open' CONSTRAINT review_queue_status_known CHECK (status IN ('open', 'in_review', 'resolved', 'dismissed')),
  assigned_to   text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  resolved_at   timestamptz,
  CONSTRAINT review_queue_resolved_iff_closed CHECK ((status IN ('resolved', 'dismissed')) = (resolved_at IS NOT NULL)),
  CONSTRAINT review_queue_resolved_after_created CHECK (resolved_at >= created_at),
  CONSTRAINT review_queue_assigned_when_in_review CHECK (status <> 'in_review' OR assigned_to IS NOT NULL)
);
-- One open item per extraction and reason; closed items stay as history.
CREATE UNIQUE INDEX review_queue_open_unique ON stage.review_queue (extraction_id, reason) WHERE status IN ('open', 'in_review');
CREATE INDEX review_queue_open_age_idx ON stage.review_queue (created_at) WHERE status = 'open';

-- CSV ingestion worker bookkeeping: one run per attempt at a raw file.
CREATE TABLE stage.csv_ingest_run (
  csv_ingest_run_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  file_id           bigint NOT NULL REFERENCES raw.file,
  worker            text NOT NULL,
  status            text NOT NULL DEFAULT 'running' CONSTRAINT csv_ingest_run_status_known CHECK (status IN ('running', 'succeeded', 'failed')),
  rows_total        integer CONSTRAINT csv_ingest_run_rows_total_nonnegative CHECK (rows_total >= 0),
  rows_accepted     integer NOT NULL DEFAULT 0 CONSTRAINT csv_ingest_run_rows_accepted_nonnegative CHECK (rows_accepted >= 0),
  rows_rejected     integer NOT NULL DEFAULT 0 CONSTRAINT csv_ingest_run_rows_rejected_nonnegative CHECK (rows_rejected >= 0),
  started_at        timestamptz NOT NULL DEFAULT now(),
  finished_at       timestamptz,
  CONSTRAINT csv_ingest_run_counts_add_up CHECK (rows_accepted + rows_rejected <= rows_total),
  CONSTRAINT csv_ingest_run_finished_iff_done CHECK ((status = 'running') = (finished_at IS NULL))
);
-- A file is ingested successfully at most once; a retry after a failure is a new run.
CREATE UNIQUE INDEX csv_ingest_run_succeeded_unique ON stage.csv_ingest_run (file_id) WHERE status = 'succeeded';
CREATE UNIQUE INDEX csv_ingest_run_running_unique ON stage.csv_ingest_run (file_id) WHERE status = 'running';

CREATE TABLE stage.csv_row_rejection (
  csv_ingest_run_id bigint NOT NULL REFERENCES stage.csv_ingest_run ON DELETE CASCADE,
  row_number        integer NOT NULL CONSTRAINT csv_row_rejection_row_positive CHECK (row_number > 0),
  column_name       text,
  message           text NOT NULL,
  PRIMARY KEY (csv_ingest_run_id, row_number)
);
