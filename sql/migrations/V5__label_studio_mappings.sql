-- How our documents map onto Label Studio objects. Ids are Label Studio's own; Label Studio's
-- tables live in the separate labelfish database, so nothing here can reference them directly.
CREATE TABLE label.project (
  ls_project_id integer PRIMARY KEY CONSTRAINT project_id_positive CHECK (ls_project_id > 0),
  title         text NOT NULL,
  slug          text NOT NULL CONSTRAINT project_slug_unique UNIQUE CONSTRAINT project_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- Import and export storages are numbered separately in Label Studio, hence the direction in the key.
CREATE TABLE label.storage (
  direction      text NOT NULL CONSTRAINT storage_direction_known CHECK (direction IN ('import', 'export')),
  ls_storage_id  integer NOT NULL CONSTRAINT storage_id_positive CHECK (ls_storage_id > 0),
  ls_project_id  integer NOT NULL REFERENCES label.project ON DELETE CASCADE,
  bucket         text NOT NULL,
  prefix         text NOT NULL CONSTRAINT storage_prefix_relative CHECK (prefix !~ '^/'),
  last_synced_at timestamptz,
  PRIMARY KEY (direction, ls_storage_id),
  CONSTRAINT storage_prefix_unique UNIQUE (ls_project_id, direction, bucket, prefix)
);

-- A document becomes at most one task per project.
CREATE TABLE label.task (
  ls_task_id    bigint PRIMARY KEY CONSTRAINT task_id_positive CHECK (ls_task_id > 0),
  ls_project_id integer NOT NULL REFERENCES label.project ON DELETE CASCADE,
  document_id   bigint NOT NULL REFERENCES stage.document,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT task_document_per_project_unique UNIQUE (ls_project_id, document_id)
);
CREATE INDEX task_document_idx ON label.task (document_id);

-- Webhook deliveries, stored before they are processed. Label Studio retries deliveries, so
-- delivery_key makes a retry a conflict rather than a second event. No foreign key to
-- label.task: tasks created in Label Studio's UI send events too.
CREATE TABLE label.annotation_event (
  annotation_event_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_key        text NOT NULL CONSTRAINT annotation_event_delivery_unique UNIQUE,
  action              text NOT NULL CONSTRAINT annotation_event_action_known CHECK (action IN ('ANNOTATION_CREATED', 'ANNOTATION_UPDATED', 'ANNOTATIONS_DELETED')),
  ls_project_id       integer NOT NULL,
  ls_task_id          bigint NOT NULL,
  ls_annotation_id    bigint NOT NULL,
  payload             jsonb NOT NULL CONSTRAINT annotation_event_payload_object CHECK (jsonb_typeof(payload) = 'object'),
  received_at         timestamptz NOT NULL DEFAULT now(),
  processed_at        timestamptz,
  CONSTRAINT annotation_event_processed_after_received CHECK (processed_at >= received_at)
);
CREATE INDEX annotation_event_task_idx ON label.annotation_event (ls_task_id, received_at);
CREATE INDEX annotation_event_unprocessed_idx ON label.annotation_event (received_at) WHERE processed_at IS NULL;
