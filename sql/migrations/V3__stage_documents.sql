-- Documents (PDFs, scans, CSVs) taken from raw files, and what layout analysis and extractors
-- found in them. Staged rows keep their raw file: no cascade, so purging raw data cannot
-- silently take reviewed work with it.
CREATE TABLE stage.document (
  document_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  file_id     bigint NOT NULL CONSTRAINT document_file_unique UNIQUE REFERENCES raw.file,
  title       text,
  language    text CONSTRAINT document_language_iso639 CHECK (language ~ '^[a-z]{2,3}$'),
  page_count  integer CONSTRAINT document_page_count_positive CHECK (page_count > 0),
  status      text NOT NULL DEFAULT 'new' CONSTRAINT document_status_known CHECK (status IN ('new', 'extracted', 'in_review', 'done', 'rejected')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER document_set_updated_at BEFORE UPDATE ON stage.document
  FOR EACH ROW EXECUTE FUNCTION control.set_updated_at();
CREATE INDEX document_open_status_idx ON stage.document (status) WHERE status NOT IN ('done', 'rejected');

-- Text boxes from PDF layout analysis, in PDF points from the page's lower-left corner;
-- char_start places the box's text in the document's full text (the offsets spans use).
CREATE TABLE stage.pdf_box (
  document_id bigint NOT NULL REFERENCES stage.document ON DELETE CASCADE,
  page        integer NOT NULL CONSTRAINT pdf_box_page_positive CHECK (page > 0),
  box_index   integer NOT NULL CONSTRAINT pdf_box_index_nonnegative CHECK (box_index >= 0),
  x0          real NOT NULL,
  y0          real NOT NULL,
  x1          real NOT NULL,
  y1          real NOT NULL,
  text        text NOT NULL,
  char_start  integer NOT NULL CONSTRAINT pdf_box_char_start_nonnegative CHECK (char_start >= 0),
  PRIMARY KEY (document_id, page, box_index),
  CONSTRAINT pdf_box_well_formed CHECK (x1 >= x0 AND y1 >= y0)
);

-- Tables found in documents (e.g. authorized-vessel lists in RFMO PDFs).
CREATE TABLE stage.table_ingest (
  table_ingest_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  document_id     bigint NOT NULL REFERENCES stage.document ON DELETE CASCADE,
  page            integer NOT NULL CONSTRAINT table_ingest_page_positive CHECK (page > 0),
  table_index     integer NOT NULL CONSTRAINT table_ingest_index_nonnegative CHECK (table_index >= 0),
  header          text[] NOT NULL,
  rows            jsonb NOT NULL CONSTRAINT table_ingest_rows_array CHECK (jsonb_typeof(rows) = 'array'),
  extractor       text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT table_ingest_position_unique UNIQUE (document_id, page, table_index)
);

-- Labelled spans of a document's text, [start_offset, end_offset) in characters, from a model,
-- a rule or an annotator in Label Studio. Only model output has a model version and may be unsure.
CREATE TABLE stage.extraction (
  extraction_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  document_id   bigint NOT NULL REFERENCES stage.document ON DELETE CASCADE,
  label         text NOT NULL CONSTRAINT extraction_label_known CHECK (label IN ('VESSEL_NAME', 'IMO', 'IRCS', 'MMSI', 'FLAG', 'RFMO', 'AUTHORIZATION_DATE', 'GEAR_TYPE', 'OWNER', 'PORT')),
  start_offset  integer NOT NULL CONSTRAINT extraction_start_nonnegative CHECK (start_offset >= 0),
  end_offset    integer NOT NULL,
  text          text NOT NULL,
  confidence    numeric(4, 3) CONSTRAINT extraction_confidence_unit CHECK (confidence BETWEEN 0 AND 1),
  source        text NOT NULL CONSTRAINT extraction_source_known CHECK (source IN ('model', 'rule', 'annotator')),
  model_version text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT extraction_span_nonempty CHECK (end_offset > start_offset),
  CONSTRAINT extraction_text_matches_span CHECK (char_length(text) = end_offset - start_offset),
  CONSTRAINT extraction_model_version_iff_model CHECK ((source = 'model') = (model_version IS NOT NULL)),
  CONSTRAINT extraction_confidence_only_model CHECK (source = 'model' OR confidence IS NULL),
  CONSTRAINT extraction_span_unique UNIQUE (document_id, label, start_offset, end_offset, source)
);
CREATE INDEX extraction_document_label_idx ON stage.extraction (document_id, label);
CREATE INDEX extraction_low_confidence_idx ON stage.extraction (confidence) WHERE confidence < 0.8;
