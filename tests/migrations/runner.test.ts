import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { checksum } from "../../src/migrations/checksum";
import { migrate } from "../../src/migrations/runner";
import { createDatabase, createNamedDatabase, sqlSent, withClient } from "../harness/postgres";
import { migrationDir, SMALL_SCHEMA, writeFiles } from "./fixtures";

type Row = Record<string, unknown>;
const query = (url: string, sql: string) => withClient(url, async (c) => (await c.query(sql)).rows as Row[]);
const tables = (url: string) =>
  query(url, "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema IN ('stage', 'curated', 'control') ORDER BY 1").then((r) => r.map((x) => x.t));
const versions = (url: string) => query(url, "SELECT version, name, origin FROM control.schema_versions ORDER BY version");
const failure = (run: Promise<unknown>) => run.then(() => expect.unreachable("migrate succeeded"), (err: Error) => err);

describe("migrate", () => {
  it("applies every file in numeric order, each with its row, and a second run is a no-op", async () => {
    const url = await createDatabase();
    const dir = migrationDir(SMALL_SCHEMA);
    const first = await migrate({ databaseUrl: url, dir });
    expect(first.applied.map((f) => f.version)).toEqual([1, 2, 10]);
    expect(first).toMatchObject({ domain: "cleandata", dryRun: false, pending: [], alreadyApplied: 0, baselined: [] });
    expect(first.database).toMatch(/^127\.0\.0\.1:\d+\/t_/);
    expect(await versions(url)).toEqual([
      { version: 1, name: "schemas", origin: "migrate" },
      { version: 2, name: "documents", origin: "migrate" },
      { version: 10, name: "vessels", origin: "migrate" },
    ]);
    const [row] = await query(url, "SELECT domain, checksum, execution_ms >= 0 AS timed, applied_by, activated_at IS NOT NULL AS dated FROM control.schema_versions WHERE version = 1");
    expect(row).toEqual({ domain: "cleandata", checksum: first.applied[0]!.checksum, timed: true, applied_by: "postgres", dated: true });

    const second = await migrate({ databaseUrl: url, dir });
    expect({ applied: second.applied, alreadyApplied: second.alreadyApplied }).toEqual({ applied: [], alreadyApplied: 3 });
  });

  it("logs each file as it applies it and how long it took, and times each within the run", async () => {
    const url = await createDatabase();
    const log: string[] = [];
    const started = performance.now();
    const result = await migrate({ databaseUrl: url, dir: migrationDir(SMALL_SCHEMA), log: (line) => log.push(line) });
    const elapsed = performance.now() - started;
    const ms = result.applied.map((f) => f.ms);
    expect(log).toEqual(
      ["V1__schemas.sql", "V2__documents.sql", "V10__vessels.sql"].flatMap((f, i) => [`cleandata: applying ${f}`, `cleandata: applied ${f} in ${ms[i]} ms`]),
    );
    for (const m of ms) expect(m).toBeGreaterThanOrEqual(0);
    expect(ms.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(Math.ceil(elapsed));
  });

  it("reads its history in one query on a run with nothing to do, and does not read back the table a first run created (issue 10: as quick as dbmate)", async () => {
    const url = await createDatabase();
    const dir = migrationDir(SMALL_SCHEMA);
    const readsHistory = (sql: string[]) => sql.filter((q) => /FROM control\.schema_versions WHERE domain/.test(q));
    const first = await sqlSent(() => migrate({ databaseUrl: url, dir }));
    expect(readsHistory(first)).toHaveLength(1);
    const noOp = await sqlSent(() => migrate({ databaseUrl: url, dir }));
    // Not the table's shape, nor objects built without history: the one read is the only query on control.
    expect(noOp.filter((q) => q.includes("control.schema_versions"))).toEqual(readsHistory(noOp));
    expect(readsHistory(noOp)).toHaveLength(1);
  });

  it("refuses a schema built by hand without history (nothing applied), names --baseline, and adopts it with it", async () => {
    const url = await createDatabase();
    const dir = migrationDir(SMALL_SCHEMA);
    await withClient(url, (c) => c.query(Object.values(SMALL_SCHEMA).join("\n")));
    await expect(migrate({ databaseUrl: url, dir })).rejects.toThrow(
      /already holds a schema \(e\.g\. curated\.vessel, stage\.document\) but control\.schema_versions records no migration.*--baseline 10 if every file up to V10__vessels\.sql was applied/,
    );
    expect(await versions(url)).toEqual([]);
    const adopted = await migrate({ databaseUrl: url, dir, baseline: 10 });
    expect({ baselined: adopted.baselined.map((f) => f.version), applied: adopted.applied }).toEqual({ baselined: [1, 2, 10], applied: [] });
    expect((await migrate({ databaseUrl: url, dir })).alreadyApplied).toBe(3);
  });

  it("leaves no trace of a file that fails half-way, names file, line and Postgres' message, and keeps earlier files", async () => {
    const url = await createDatabase();
    const dir = migrationDir({
      "V1__schemas.sql": SMALL_SCHEMA["V1__schemas.sql"],
      "V2__half.sql": "CREATE TABLE stage.first_half (id int);\nINSERT INTO stage.first_half VALUES (1);\n\nINSERT INTO stage.missing_table\n  VALUES (1);\n",
      "V3__after.sql": "CREATE TABLE stage.after (id int);",
    });
    await expect(migrate({ databaseUrl: url, dir })).rejects.toThrow(
      'V2__half.sql:4: relation "stage.missing_table" does not exist (SQLSTATE 42P01). Its transaction was rolled back: nothing from V2__half.sql was applied; files before it stay applied.',
    );
    expect(await tables(url)).toEqual(["control.schema_versions"]);
    expect((await versions(url)).map((r) => r.version)).toEqual([1]);
    const [lock] = await query(url, "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'");
    expect(lock).toEqual({ n: 0 });
  });

  it("stops before applying anything when an applied file was edited, deleted or renumbered", async () => {
    const url = await createDatabase();
    const dir = migrationDir(SMALL_SCHEMA);
    await migrate({ databaseUrl: url, dir });
    const newFile = { "V11__new.sql": "CREATE TABLE curated.flag_state (iso3 char(3) PRIMARY KEY);" };

    const edited = { "V1__schemas.sql": "CREATE SCHEMA stage;\n", "V2__documents.sql": SMALL_SCHEMA["V2__documents.sql"].replace("title text", "title varchar") };
    writeFiles(dir, { ...newFile, ...edited });
    const wasEdited = (name: keyof typeof edited) =>
      `${name} was edited after it was applied (recorded checksum ${checksum(SMALL_SCHEMA[name]).slice(0, 12)}…, file now ${checksum(edited[name]).slice(0, 12)}…). Revert the edit and put the change in a new file after the last applied version.`;
    expect((await failure(migrate({ databaseUrl: url, dir }))).message).toBe(`Nothing was applied:\n- ${wasEdited("V1__schemas.sql")}\n- ${wasEdited("V2__documents.sql")}`);

    writeFiles(dir, { "V1__schemas.sql": SMALL_SCHEMA["V1__schemas.sql"], "V2__documents.sql": SMALL_SCHEMA["V2__documents.sql"] });
    fs.renameSync(path.join(dir, "V10__vessels.sql"), path.join(dir, "V12__vessels.sql"));
    await expect(migrate({ databaseUrl: url, dir })).rejects.toThrow("- V10__vessels.sql was applied, but its content is now in V12__vessels.sql");

    fs.rmSync(path.join(dir, "V12__vessels.sql"));
    await expect(migrate({ databaseUrl: url, dir })).rejects.toThrow("- V10__vessels.sql is recorded as applied but there is no V10__*.sql file.");

    expect(await tables(url)).not.toContain("curated.flag_state");
    expect((await versions(url)).map((r) => r.version)).toEqual([1, 2, 10]);
  });

  it("--baseline records files as applied without running them, then runs the rest", async () => {
    const url = await createDatabase();
    await query(url, "CREATE SCHEMA stage; CREATE SCHEMA curated; CREATE TABLE stage.document (document_id bigint PRIMARY KEY, title text NOT NULL)");
    const log: string[] = [];
    const result = await migrate({ databaseUrl: url, dir: migrationDir(SMALL_SCHEMA), baseline: 2, log: (line) => log.push(line) });
    expect({ baselined: result.baselined.map((f) => f.version), applied: result.applied.map((f) => f.version) }).toEqual({ baselined: [1, 2], applied: [10] });
    expect(log[0]).toBe("cleandata: baselined V1__schemas.sql, V2__documents.sql (recorded as applied, not run)");
    expect(await versions(url)).toEqual([
      { version: 1, name: "schemas", origin: "baseline" },
      { version: 2, name: "documents", origin: "baseline" },
      { version: 10, name: "vessels", origin: "migrate" },
    ]);
  });

  it("upgrades the earlier schema_versions shape in place, keeping its rows, and adopts them with --baseline", async () => {
    const url = await createDatabase();
    await query(
      url,
      `CREATE SCHEMA stage; CREATE SCHEMA curated; CREATE TABLE stage.document (document_id bigint PRIMARY KEY, title text NOT NULL);
       CREATE SCHEMA control;
       CREATE TABLE control.schema_versions (domain text PRIMARY KEY, version text NOT NULL, activated_at timestamptz NOT NULL DEFAULT now());
       INSERT INTO control.schema_versions VALUES ('cleandata', 'V2', '2025-01-02T03:04:05Z'), ('ebisu', '7', '2025-02-01T00:00:00Z');`,
    );
    const dir = migrationDir(SMALL_SCHEMA);
    const log: string[] = [];
    await expect(migrate({ databaseUrl: url, dir, log: (line) => log.push(line) })).rejects.toThrow("Adopt it with --baseline 2");
    expect(log).toEqual(["cleandata: upgraded control.schema_versions from the earlier shape in place; its rows are kept as origin 'legacy'"]);
    // The upgrade committed (rows kept), nothing else did.
    expect(await query(url, "SELECT domain, version, origin, activated_at FROM control.schema_versions ORDER BY domain")).toEqual([
      { domain: "cleandata", version: 2, origin: "legacy", activated_at: new Date("2025-01-02T03:04:05Z") },
      { domain: "ebisu", version: 7, origin: "legacy", activated_at: new Date("2025-02-01T00:00:00Z") },
    ]);

    const result = await migrate({ databaseUrl: url, dir, baseline: 2 });
    expect(result.applied.map((f) => f.version)).toEqual([10]);
    expect(await query(url, "SELECT domain, version, origin, activated_at FROM control.schema_versions ORDER BY domain, version")).toEqual([
      { domain: "cleandata", version: 1, origin: "baseline", activated_at: expect.any(Date) },
      { domain: "cleandata", version: 2, origin: "baseline", activated_at: new Date("2025-01-02T03:04:05Z") },
      { domain: "cleandata", version: 10, origin: "migrate", activated_at: expect.any(Date) },
      { domain: "ebisu", version: 7, origin: "legacy", activated_at: new Date("2025-02-01T00:00:00Z") },
    ]);
    const [pk] = await query(url, "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'control.schema_versions'::regclass AND contype = 'p'");
    expect(pk).toEqual({ def: "PRIMARY KEY (domain, version)" });
  });

  it("--dry-run runs pending files in a transaction that is rolled back, and surfaces SQL errors with their line", async () => {
    const url = await createDatabase();
    const dir = migrationDir(SMALL_SCHEMA);
    const result = await migrate({ databaseUrl: url, dir, dryRun: true });
    expect(result).toMatchObject({ dryRun: true, applied: [], alreadyApplied: 0 });
    expect(result.pending.map((f) => f.version)).toEqual([1, 2, 10]);
    expect(await query(url, "SELECT to_regnamespace('control') AS control, to_regnamespace('stage') AS stage")).toEqual([{ control: null, stage: null }]);

    writeFiles(dir, { "V11__broken.sql": "CREATE TABLE curated.flag (\n  iso3 char(3) PRIMARY KEY REFERENCES curated.nowhere\n);" });
    await expect(migrate({ databaseUrl: url, dir, dryRun: true })).rejects.toThrow(/^V11__broken\.sql:1: relation "curated\.nowhere" does not exist \(SQLSTATE 42P01\)\. Dry run: everything was rolled back\.$/);
    expect(await query(url, "SELECT to_regnamespace('stage') AS stage")).toEqual([{ stage: null }]);
  });

  it("--dry-run checks a no-transaction file's syntax without running it, and logs what it tried", async () => {
    const url = await createDatabase();
    const dir = migrationDir({ ...SMALL_SCHEMA, "V11__index.sql": "-- oceanid:no-transaction\nCREATE INDEX CONCURRENTLY document_title_idx ON stage.document (title);\n" });
    const log: string[] = [];
    const result = await migrate({ databaseUrl: url, dir, dryRun: true, log: (line) => log.push(line) });
    expect(result.pending.map((f) => f.version)).toEqual([1, 2, 10, 11]);
    expect(log).toEqual([
      ...["V1__schemas.sql", "V2__documents.sql", "V10__vessels.sql"].flatMap((f) => [`cleandata: trying ${f}`, expect.stringMatching(new RegExp(`^cleandata: ran ${f} in \\d+ ms$`))]),
      "cleandata: V11__index.sql: no-transaction file, syntax checked but not run in a dry run",
    ]);
    expect(await query(url, "SELECT to_regnamespace('stage') AS stage")).toEqual([{ stage: null }]);
  });

  it("--target stops after that version", async () => {
    const url = await createDatabase();
    const result = await migrate({ databaseUrl: url, dir: migrationDir(SMALL_SCHEMA), target: 2 });
    expect({ applied: result.applied.map((f) => f.version), pending: result.pending.map((f) => f.version) }).toEqual({ applied: [1, 2], pending: [10] });
    expect(await tables(url)).not.toContain("curated.vessel");
  });

  it("runs a no-transaction file outside a transaction (CREATE INDEX CONCURRENTLY) and rejects one with several statements", async () => {
    const url = await createDatabase();
    const dir = migrationDir({
      ...SMALL_SCHEMA,
      "V11__index.sql": "-- oceanid:no-transaction\nCREATE INDEX CONCURRENTLY document_title_idx ON stage.document (title);\n",
    });
    const started = performance.now();
    const result = await migrate({ databaseUrl: url, dir });
    const elapsed = performance.now() - started;
    expect(result.applied.map((f) => f.version)).toEqual([1, 2, 10, 11]);
    expect(await query(url, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'stage.document_title_idx'::regclass")).toEqual([{ indisvalid: true }]);
    // Its row says how long it took, as for the other files.
    const [{ ms }] = (await query(url, "SELECT execution_ms AS ms FROM control.schema_versions WHERE version = 11")) as [{ ms: number }];
    expect(ms).toBeGreaterThanOrEqual(0);
    expect(ms).toBeLessThanOrEqual(Math.ceil(elapsed));

    writeFiles(dir, { "V12__two.sql": "-- oceanid:no-transaction\nCREATE INDEX CONCURRENTLY a ON stage.document (title);\nCREATE INDEX CONCURRENTLY b ON stage.document (title);" });
    await expect(migrate({ databaseUrl: url, dir })).rejects.toThrow("V12__two.sql: a \"-- oceanid:no-transaction\" file runs outside a transaction, so it must hold exactly one statement (it has 2)");
  });

  it("reports a syntax error in a no-transaction file with its line: when it runs, or before anything in a dry run", async () => {
    const url = await createDatabase();
    const dir = migrationDir({ ...SMALL_SCHEMA, "V11__index.sql": "-- oceanid:no-transaction\n-- Built concurrently.\nCREATE INDEX CONCURRENTLY i ON stage.document (title) WHERE;\n" });
    await expect(migrate({ databaseUrl: url, dir, dryRun: true })).rejects.toThrow('V11__index.sql:3: syntax error at or near ";". Fix the SQL; nothing was run.');
    expect(await query(url, "SELECT to_regnamespace('control') AS control")).toEqual([{ control: null }]);
    expect((await failure(migrate({ databaseUrl: url, dir }))).message).toBe(
      "V11__index.sql:3: syntax error at end of input (SQLSTATE 42601). It ran outside a transaction (no-transaction header), so check what it left behind before rerunning.",
    );
    expect((await versions(url)).map((r) => r.version)).toEqual([1, 2, 10]);
  });

  it("runs a no-transaction statement that needs the parser to be counted (a semicolon in a string)", async () => {
    const url = await createDatabase();
    const dir = migrationDir({ ...SMALL_SCHEMA, "V11__comment.sql": "-- oceanid:no-transaction\nCOMMENT ON TABLE stage.document IS 'documents; one per file';\n" });
    expect((await migrate({ databaseUrl: url, dir })).applied.map((f) => f.version)).toEqual([1, 2, 10, 11]);
    expect(await query(url, "SELECT obj_description('stage.document'::regclass) AS c")).toEqual([{ c: "documents; one per file" }]);
  });

  it("reports a syntax error with its file and line, keeping the files before it", async () => {
    const url = await createDatabase();
    const dir = migrationDir({ ...SMALL_SCHEMA, "V11__typo.sql": "SELECT 1;\nCREAT TABLE x (id int);" });
    await expect(migrate({ databaseUrl: url, dir })).rejects.toThrow('V11__typo.sql:2: syntax error at or near "CREAT" (SQLSTATE 42601). Its transaction was rolled back: nothing from V11__typo.sql was applied; files before it stay applied.');
    expect((await versions(url)).map((r) => r.version)).toEqual([1, 2, 10]);
    // Rerun, it is the only file to apply: no earlier file of this run to speak of.
    expect((await failure(migrate({ databaseUrl: url, dir }))).message).toBe(
      'V11__typo.sql:2: syntax error at or near "CREAT" (SQLSTATE 42601). Its transaction was rolled back: nothing from V11__typo.sql was applied.',
    );
  });

  it.each([
    ["a constraint violation", "INSERT INTO stage.document VALUES (1, 'a');\n\nINSERT INTO stage.document VALUES (1, 'b');", 'V11__data.sql:3: duplicate key value violates unique constraint "document_pkey" (SQLSTATE 23505). Detail: Key (document_id)=(1) already exists.'],
    ["an exception raised in a DO block", "CREATE TABLE stage.t (id int);\nDO $$\nBEGIN\n  RAISE EXCEPTION 'boom';\nEND\n$$;", "V11__data.sql:2: boom (SQLSTATE P0001)."],
  ])("pins %s (no position from Postgres) to its line, in a real run and in a dry run", async (_what, sql, message) => {
    const url = await createDatabase();
    const dir = migrationDir({ ...SMALL_SCHEMA, "V11__data.sql": sql });
    await expect(migrate({ databaseUrl: url, dir, dryRun: true })).rejects.toThrow(message);
    await expect(migrate({ databaseUrl: url, dir })).rejects.toThrow(message);
    expect(await tables(url)).toEqual(["control.schema_versions", "curated.vessel", "stage.document"]);
    expect(await query(url, "SELECT count(*)::int AS n FROM stage.document")).toEqual([{ n: 0 }]);
  });

  it("commits a file only with its row: a version recorded meanwhile by another run leaves nothing of the file", async () => {
    const url = await createDatabase();
    const vessels = SMALL_SCHEMA["V10__vessels.sql"];
    // V2 plays the other run: it records V10 after this run planned to apply it.
    const dir = migrationDir({
      ...SMALL_SCHEMA,
      "V2__documents.sql": `${SMALL_SCHEMA["V2__documents.sql"]}INSERT INTO control.schema_versions (domain, version, name, checksum) VALUES ('cleandata', 10, 'vessels', '${checksum(vessels)}');\n`,
    });
    await expect(migrate({ databaseUrl: url, dir })).rejects.toThrow("V10 of domain cleandata was recorded by another run meanwhile; nothing from this run's V10__vessels.sql was applied. Rerun to verify.");
    expect(await tables(url)).toEqual(["control.schema_versions", "stage.document"]);
    expect(await query(url, "SELECT count(*)::int AS n FROM control.schema_versions WHERE version = 10")).toEqual([{ n: 1 }]);
  });

  it("keeps domains apart: rows and lock are per --domain", async () => {
    const url = await createDatabase();
    await migrate({ databaseUrl: url, dir: migrationDir(SMALL_SCHEMA) });
    const other = await migrate({ databaseUrl: url, dir: migrationDir({ "V1__ebisu.sql": "CREATE SCHEMA ebisu;" }), domain: "ebisu" });
    expect(other.applied.map((f) => f.name)).toEqual(["ebisu"]);
    expect(await query(url, "SELECT domain, count(*)::int AS n FROM control.schema_versions GROUP BY domain ORDER BY domain")).toEqual([
      { domain: "cleandata", n: 3 },
      { domain: "ebisu", n: 1 },
    ]);
    for (const domain of ["Clean-Data", "clean-data"]) {
      await expect(migrate({ databaseUrl: url, dir: migrationDir(SMALL_SCHEMA), domain })).rejects.toThrow(
        `--domain "${domain}": use lower-case letters, digits and underscores, e.g. cleandata.`,
      );
    }
  });
});

describe("refusing Label Studio's database", () => {
  it("refuses a URL naming labelfish without connecting", async () => {
    // Port 1: nothing listens there, so reaching the network would fail differently.
    await expect(migrate({ databaseUrl: "postgresql://u:p@127.0.0.1:1/labelfish", dir: migrationDir(SMALL_SCHEMA) })).rejects.toThrow(
      'Refusing to migrate: the URL names the "labelfish" database (Label Studio).',
    );
  });

  it("refuses a database that holds django_migrations, before any change", async () => {
    const url = await createDatabase("ls");
    await query(url, "CREATE TABLE public.django_migrations (id serial PRIMARY KEY, app text, name text, applied timestamptz)");
    await expect(migrate({ databaseUrl: url, dir: migrationDir(SMALL_SCHEMA) })).rejects.toThrow(/^Refusing to migrate: database "ls_\w+" holds Label Studio's tables \(public\.django_migrations\)/);
    expect(await query(url, "SELECT to_regnamespace('control') AS control")).toEqual([{ control: null }]);
  });

  it("refuses a server-side labelfish even when the URL does not name it", async () => {
    const url = await createNamedDatabase("labelfish");
    // No database in the URL: the driver falls back to PGDATABASE, which the pre-connect check cannot see.
    const withoutDatabase = url.replace("/labelfish?", "/?");
    process.env.PGDATABASE = "labelfish";
    try {
      await expect(migrate({ databaseUrl: withoutDatabase, dir: migrationDir(SMALL_SCHEMA) })).rejects.toThrow('Refusing to migrate: database "labelfish" is Label Studio\'s.');
    } finally {
      delete process.env.PGDATABASE;
    }
    expect(await query(url, "SELECT to_regnamespace('control') AS control")).toEqual([{ control: null }]);
  });
});
