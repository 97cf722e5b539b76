import type { Client, QueryResult } from "pg";
import { migrationError } from "./errors";
import type { AppliedRow, RowOrigin } from "./plan";

// Column definitions shared by the fresh table and the in-place upgrade of the earlier shape.
const ADDED_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ["name", "text"],
  ["checksum", "text CONSTRAINT schema_versions_checksum_hex CHECK (checksum ~ '^[0-9a-f]{64}$')"],
  ["origin", "text NOT NULL DEFAULT 'migrate' CONSTRAINT schema_versions_origin CHECK (origin IN ('migrate', 'baseline', 'consolidated', 'legacy'))"],
  ["execution_ms", "integer CONSTRAINT schema_versions_execution_ms CHECK (execution_ms >= 0)"],
  ["applied_by", "text NOT NULL DEFAULT current_user"],
];
const TABLE_CONSTRAINTS = [
  "CONSTRAINT schema_versions_pkey PRIMARY KEY (domain, version)",
  // Rows the earlier runner left have no file name or checksum; every other row must.
  "CONSTRAINT schema_versions_recorded_file CHECK (origin = 'legacy' OR (name IS NOT NULL AND checksum IS NOT NULL))",
];

/** Creates the bookkeeping table; also the first part of the consolidated file. */
export const CONTROL_TABLE_SQL = `CREATE SCHEMA IF NOT EXISTS control;
CREATE TABLE IF NOT EXISTS control.schema_versions (
  domain text NOT NULL,
  version integer NOT NULL CONSTRAINT schema_versions_version_positive CHECK (version > 0),
${ADDED_COLUMNS.map(([name, def]) => `  ${name} ${def},`).join("\n")}
  activated_at timestamptz NOT NULL DEFAULT now(),
${TABLE_CONSTRAINTS.map((c) => `  ${c}`).join(",\n")}
);
COMMENT ON TABLE control.schema_versions IS 'One row per migration file applied (or baselined) per domain; written by oceanid migrate.';`;

/**
 * Up to five objects (tables, views, sequences, functions, types outside the system schemas and
 * extensions, other than control.schema_versions) when control.schema_versions has no rows at
 * all: a schema built without this runner (psql, dbmate, Flyway, by hand). None otherwise.
 */
const UNRECORDED_OBJECTS_SQL = `WITH user_object AS (
       SELECT c.oid::regclass::text AS object, 'pg_class'::regclass AS catalog, c.oid FROM pg_class c
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND c.oid <> 'control.schema_versions'::regclass
          AND c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace, 'pg_toast'::regnamespace)
       UNION ALL
       SELECT p.oid::regprocedure::text, 'pg_proc'::regclass, p.oid FROM pg_proc p
        WHERE p.pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
       UNION ALL
       SELECT t.oid::regtype::text, 'pg_type'::regclass, t.oid FROM pg_type t
        WHERE t.typtype IN ('e', 'd', 'r') AND t.typnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
     )
     SELECT object FROM user_object o
      WHERE NOT EXISTS (SELECT FROM control.schema_versions)
        AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = o.catalog AND d.objid = o.oid AND d.deptype IN ('e', 'i', 'a'))
      ORDER BY object COLLATE "C" LIMIT 5`;

/** The objects UNRECORDED_OBJECTS_SQL lists; asked only when the domain has no rows, so a no-op run never pays for it. */
export async function unrecordedObjects(client: Client): Promise<string[]> {
  const { rows } = await client.query<{ object: string }>(UNRECORDED_OBJECTS_SQL);
  return rows.map((r) => r.object);
}

export type ControlTable =
  /** Created by this run, so without rows; `unrecordedObjects` as unrecordedObjects() gives them. */
  | { shape: "created"; unrecordedObjects: string[] }
  | { shape: "current" | "upgraded" };

/**
 * Makes sure control.schema_versions has the current shape. The earlier shape (one row per
 * domain: domain primary key, version, activated_at) is upgraded in place and its rows kept,
 * marked origin = 'legacy', so history is never dropped. The shape is read as is (callers hold
 * the migration lock, so no other run changes it), unless the caller already saw the table is
 * `missing`; only the upgrade runs in `transaction`.
 */
export async function ensureControlTable(client: Client, transaction: <T>(fn: () => Promise<T>) => Promise<T>, missing = false): Promise<ControlTable> {
  // pg_attribute rather than information_schema: same answer, a fraction of the planning time.
  const { rows } = missing
    ? { rows: [] }
    : await client.query<{ name: string; type: string }>(
        `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
          WHERE attrelid = to_regclass('control.schema_versions') AND attnum > 0 AND NOT attisdropped`,
      );
  const columns = new Map(rows.map((r) => [r.name, r.type]));
  if (columns.size === 0) {
    // Several statements in one query run as one transaction of their own (or in the caller's);
    // the last one lists what the database held without history, one round trip fewer.
    const results = (await client.query(`${CONTROL_TABLE_SQL}\n${UNRECORDED_OBJECTS_SQL};`)) as unknown as Array<QueryResult<{ object: string }>>;
    return { shape: "created", unrecordedObjects: results.at(-1)!.rows.map((r) => r.object) };
  }
  if (columns.has("checksum") && columns.has("origin")) return { shape: "current" };
  if (!(columns.has("domain") && columns.has("version") && columns.has("activated_at"))) {
    throw migrationError(
      `control.schema_versions exists with columns (${[...columns.keys()].join(", ")}) that match neither the current shape nor the earlier (domain, version, activated_at) one. Rename it and rerun.`,
    );
  }
  await transaction(() => upgradeEarlierShape(client, columns));
  return { shape: "upgraded" };
}

async function upgradeEarlierShape(client: Client, columns: ReadonlyMap<string, string>): Promise<void> {
  const { rows: pk } = await client.query<{ conname: string }>(
    `SELECT conname FROM pg_constraint WHERE conrelid = 'control.schema_versions'::regclass AND contype = 'p'`,
  );
  const steps = [
    ...pk.map((p) => `ALTER TABLE control.schema_versions DROP CONSTRAINT ${client.escapeIdentifier(p.conname)}`),
    // The earlier table may have kept versions as text ('3' or 'V3').
    ...(columns.get("version") === "integer" ? [] : [`ALTER TABLE control.schema_versions ALTER COLUMN version TYPE integer USING regexp_replace(version::text, '^[Vv]', '')::integer`]),
    `ALTER TABLE control.schema_versions ${ADDED_COLUMNS.filter(([name]) => !columns.has(name)).map(([name, def]) => `ADD COLUMN ${name} ${def}`).join(", ")}`,
    `UPDATE control.schema_versions SET origin = 'legacy'`,
    `ALTER TABLE control.schema_versions ALTER COLUMN activated_at SET DEFAULT now(), ${TABLE_CONSTRAINTS.map((c) => `ADD ${c}`).join(", ")}`,
  ];
  for (const sql of steps) {
    try {
      await client.query(sql);
    } catch (err) {
      throw migrationError(`Upgrading control.schema_versions from the earlier shape failed at "${sql}": ${(err as Error).message}. Nothing was changed; fix the rows named and rerun.`);
    }
  }
}

export async function readAppliedRows(client: Client, domain: string): Promise<AppliedRow[]> {
  const { rows } = await client.query<AppliedRow>(
    `SELECT version, name, checksum, origin FROM control.schema_versions WHERE domain = $1 ORDER BY version`,
    [domain],
  );
  return rows;
}

export interface RecordedFile {
  version: number;
  name: string;
  checksum: string;
}

/**
 * The INSERT recording a file that this run applies, as text to send in the same query as the file
 * (see applyFileWithRow): values are literals, and execution_ms is the server's time since it
 * received that query. A plain INSERT: a pending file never has a row yet (legacy rows are only
 * adopted by --baseline), so a conflict means another run recorded it meanwhile, and the file's
 * transaction fails with it (see recordedMeanwhile).
 */
export function recordFileSql(client: Pick<Client, "escapeLiteral">, domain: string, file: RecordedFile): string {
  const values = [client.escapeLiteral(domain), String(file.version), client.escapeLiteral(file.name), client.escapeLiteral(file.checksum)].join(", ");
  return `INSERT INTO control.schema_versions (domain, version, name, checksum, origin, execution_ms)
VALUES (${values}, 'migrate', (extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::integer)`;
}

/** The error a file's transaction fails with when its row exists already (see recordFileSql), as the operator should read it. */
export function recordedMeanwhile(err: unknown, domain: string, file: RecordedFile): Error | undefined {
  const e = err as { code?: string; constraint?: string };
  if (e.code !== "23505" || e.constraint !== "schema_versions_pkey") return undefined;
  return migrationError(`V${file.version} of domain ${domain} was recorded by another run meanwhile; nothing from this run's ${`V${file.version}__${file.name}.sql`} was applied. Rerun to verify.`);
}

/** Records one file; replaces a 'legacy' row of the same version (adopting it), never any other. */
export async function recordFile(client: Client, domain: string, file: RecordedFile, origin: Exclude<RowOrigin, "legacy">, executionMs: number): Promise<void> {
  const result = await client.query(
    `INSERT INTO control.schema_versions AS s (domain, version, name, checksum, origin, execution_ms)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (domain, version) DO UPDATE
        SET name = EXCLUDED.name, checksum = EXCLUDED.checksum, origin = EXCLUDED.origin, execution_ms = EXCLUDED.execution_ms
      WHERE s.origin = 'legacy'`,
    [domain, file.version, file.name, file.checksum, origin, executionMs],
  );
  if (result.rowCount !== 1) throw migrationError(`V${file.version} of domain ${domain} was recorded by another run meanwhile; rerun to verify.`);
}
