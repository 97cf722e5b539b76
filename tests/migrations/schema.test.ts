import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Client } from "pg";
import { readMigrationDir } from "../../src/migrations/files";
import { migrate } from "../../src/migrations/runner";
import { createDatabase, serverUrl, withClient } from "../harness/postgres";
import { createLoginRole, migrationDir, REPO_MIGRATIONS, writeFiles } from "./fixtures";

/** Runs `sql` in a transaction that is always rolled back; returns the SQLSTATE it failed with, or "ok". */
async function outcome(client: Client, sql: string): Promise<string> {
  await client.query("BEGIN");
  try {
    await client.query(sql);
    return "ok";
  } catch (err) {
    return (err as { code: string }).code;
  } finally {
    await client.query("ROLLBACK");
  }
}

const SEED = `
  INSERT INTO raw.source (code, kind, name) VALUES ('iccat', 'rfmo_list', 'ICCAT record of vessels');
  INSERT INTO raw.batch (source_id) SELECT source_id FROM raw.source;
  INSERT INTO raw.file (batch_id, object_key, media_type, byte_size, content_sha256)
    SELECT batch_id, 'raw-uploads/iccat.pdf', 'application/pdf', 1024, sha256('pdf') FROM raw.batch;
  INSERT INTO stage.document (file_id, page_count) SELECT file_id, 3 FROM raw.file;
  INSERT INTO stage.extraction (document_id, label, start_offset, end_offset, text, source)
    SELECT document_id, 'IMO', 10, 17, '9074729', 'rule' FROM stage.document;
  INSERT INTO stage.review_queue (extraction_id, reason) SELECT extraction_id, 'manual' FROM stage.extraction;
  INSERT INTO curated.flag_state VALUES ('ESP', 'Spain'), ('PAN', 'Panama');
  INSERT INTO curated.rfmo (rfmo_code, name) VALUES ('ICCAT', 'International Commission for the Conservation of Atlantic Tunas');
  INSERT INTO curated.vessel (vessel_id, imo_number) OVERRIDING SYSTEM VALUE VALUES (1, 9074729);
  INSERT INTO curated.vessel_flag (vessel_id, flag_state, valid_during) VALUES (1, 'ESP', '[2010-01-01,2020-01-01)'), (1, 'PAN', '[2020-01-01,)');
  INSERT INTO curated.vessel_name (vessel_id, name, valid_during) VALUES (1, 'ATLANTIC STAR', '[2010-01-01,)');
  INSERT INTO curated.rfmo_vessel (rfmo_code, rfmo_vessel_id, vessel_id, authorized) VALUES ('ICCAT', 'AT000ESP00001', 1, '[2015-01-01,)');
`;

describe("the cleandata schema", () => {
  let url: string;
  beforeAll(async () => {
    url = await createDatabase("schema");
    await migrate({ databaseUrl: url, dir: REPO_MIGRATIONS });
    await withClient(url, (c) => c.query(SEED));
  });

  it("creates the five schemas", async () => {
    const rows = await withClient(url, async (c) => (await c.query("SELECT nspname FROM pg_namespace WHERE nspname IN ('raw', 'stage', 'label', 'curated', 'control') ORDER BY 1")).rows);
    expect(rows.map((r) => r.nspname)).toEqual(["control", "curated", "label", "raw", "stage"]);
  });

  it.each([
    ["an IMO number with a wrong check digit", "INSERT INTO curated.vessel (imo_number) VALUES (9074728)", "23514"],
    ["a second flag overlapping the current one", "INSERT INTO curated.vessel_flag (vessel_id, flag_state, valid_during) VALUES (1, 'ESP', '[2019-06-01,2019-07-01)')", "23P01"],
    ["a second name overlapping", "INSERT INTO curated.vessel_name (vessel_id, name, valid_during) VALUES (1, 'ATLANTIC STAR II', '[2024-01-01,)')", "23P01"],
    ["an RFMO record number reused while still valid", "INSERT INTO curated.vessel (vessel_id, imo_number) OVERRIDING SYSTEM VALUE VALUES (2, NULL); INSERT INTO curated.rfmo_vessel (rfmo_code, rfmo_vessel_id, vessel_id, authorized) VALUES ('ICCAT', 'AT000ESP00001', 2, '[2020-01-01,)')", "23P01"],
    ["a span whose text does not match its offsets", "INSERT INTO stage.extraction (document_id, label, start_offset, end_offset, text, source) SELECT document_id, 'FLAG', 0, 5, 'ESP', 'rule' FROM stage.document", "23514"],
    ["model output without a model version", "INSERT INTO stage.extraction (document_id, label, start_offset, end_offset, text, source, confidence) SELECT document_id, 'FLAG', 0, 3, 'ESP', 'model', 0.4 FROM stage.document", "23514"],
    ["a cleaning rule whose regex does not compile", "INSERT INTO stage.cleaning_rule (label, pattern, priority) VALUES ('IMO', '([0-9', 1)", "2201B"],
    ["a second open review item for the same extraction and reason", "INSERT INTO stage.review_queue (extraction_id, reason) SELECT extraction_id, 'manual' FROM stage.extraction", "23505"],
    ["a resolved review item without resolved_at", "UPDATE stage.review_queue SET status = 'resolved'", "23514"],
    ["the same raw bytes ingested twice", "INSERT INTO raw.file (batch_id, object_key, media_type, byte_size, content_sha256) SELECT batch_id, 'copy.pdf', 'application/pdf', 1024, sha256('pdf') FROM raw.batch", "23505"],
    ["a finished batch without finished_at", "UPDATE raw.batch SET status = 'succeeded'", "23514"],
  ])("rejects %s", async (_what, sql, sqlstate) => {
    expect(await withClient(url, (c) => outcome(c, sql))).toBe(sqlstate);
  });

  it.each([
    ["an adjacent (not overlapping) flag period", "UPDATE curated.vessel_flag SET valid_during = '[2020-01-01,2024-01-01)' WHERE flag_state = 'PAN'; INSERT INTO curated.vessel_flag (vessel_id, flag_state, valid_during) VALUES (1, 'ESP', '[2024-01-01,)')"],
    ["a resolved review item with its time", "UPDATE stage.review_queue SET status = 'resolved', resolved_at = now()"],
    ["a vessel without an IMO number", "INSERT INTO curated.vessel (imo_number) VALUES (NULL), (NULL)"],
  ])("accepts %s", async (_what, sql) => {
    expect(await withClient(url, (c) => outcome(c, sql))).toBe("ok");
  });

  it("keeps updated_at current on stage.document", async () => {
    const rows = await withClient(url, async (c) => {
      await c.query("UPDATE stage.document SET updated_at = '2000-01-01', created_at = '2000-01-01'");
      await c.query("UPDATE stage.document SET status = 'extracted'");
      return (await c.query("SELECT updated_at > created_at AS touched FROM stage.document")).rows;
    });
    expect(rows).toEqual([{ touched: true }]);
  });

  it("gives the BI role SELECT on curated (including the view created after the grant) and nothing else", async () => {
    const results = await withClient(url, async (c) => {
      await c.query("SET ROLE cleandata_bi_readonly");
      return {
        view: (await c.query("SELECT name, flag_state, authorized_rfmos FROM curated.vessel_current")).rows,
        stage: await outcome(c, "SELECT * FROM stage.document"),
        raw: await outcome(c, "SELECT * FROM raw.source"),
        write: await outcome(c, "INSERT INTO curated.flag_state VALUES ('FRA', 'France')"),
      };
    });
    expect(results).toEqual({ view: [{ name: "ATLANTIC STAR", flag_state: "PAN", authorized_rfmos: ["ICCAT"] }], stage: "42501", raw: "42501", write: "42501" });
  });

  it("applies to a second database on the same server (the BI role already exists there)", async () => {
    const second = await createDatabase("schema_second");
    const result = await migrate({ databaseUrl: second, dir: REPO_MIGRATIONS });
    expect(result.applied).toHaveLength(readMigrationDir(REPO_MIGRATIONS).length);
    const grants = await withClient(second, async (c) => (await c.query("SELECT has_database_privilege('cleandata_bi_readonly', current_database(), 'CONNECT') AS connect")).rows);
    expect(grants).toEqual([{ connect: true }]);
  });
});

describe("the BI role with several migration roles", () => {
  it("reads curated tables and views that a second migration role creates later, logging in as a BI user", async () => {
    const url = await createDatabase("bi_roles");
    await migrate({ databaseUrl: url, dir: REPO_MIGRATIONS });
    // A second, non-superuser migration role, allowed to create in curated and to record versions.
    const migrator = await createLoginRole(url, "migrator");
    await withClient(url, (c) =>
      c.query(`GRANT USAGE, CREATE ON SCHEMA curated TO ${migrator.name};
               GRANT SELECT, REFERENCES ON ALL TABLES IN SCHEMA curated TO ${migrator.name};
               GRANT USAGE ON SCHEMA control TO ${migrator.name};
               GRANT SELECT, INSERT, UPDATE ON control.schema_versions TO ${migrator.name};`),
    );
    const dir = migrationDir({});
    for (const file of readMigrationDir(REPO_MIGRATIONS)) fs.copyFileSync(file.path, path.join(dir, file.fileName));
    writeFiles(dir, {
      "V90__vessel_alias.sql":
        "CREATE TABLE curated.vessel_alias (vessel_id bigint NOT NULL REFERENCES curated.vessel, alias text NOT NULL);\n" +
        "INSERT INTO curated.vessel_alias SELECT vessel_id, 'ALIAS' FROM curated.vessel;\n" +
        "CREATE VIEW curated.vessel_alias_count AS SELECT count(*) AS aliases FROM curated.vessel_alias;\n",
    });
    await withClient(url, (c) => c.query("INSERT INTO curated.vessel (imo_number) VALUES (9074729)"));
    const applied = await migrate({ databaseUrl: migrator.as(url), dir });
    expect(applied.applied.map((f) => f.version)).toEqual([90]);
    const owner = await withClient(url, async (c) => (await c.query("SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'curated.vessel_alias'::regclass")).rows);
    expect(owner).toEqual([{ owner: migrator.name }]);

    const bi = await createLoginRole(url, "bi_user", "IN ROLE cleandata_bi_readonly");
    const seen = await withClient(bi.as(url), async (c) => ({
      table: (await c.query("SELECT alias FROM curated.vessel_alias")).rows,
      view: (await c.query("SELECT aliases::int FROM curated.vessel_alias_count")).rows,
      stage: await outcome(c, "SELECT * FROM stage.document"),
      write: await outcome(c, "INSERT INTO curated.vessel_alias VALUES (1, 'X')"),
    }));
    expect(seen).toEqual({ table: [{ alias: "ALIAS" }], view: [{ aliases: 1 }], stage: "42501", write: "42501" });
  });

  it("still applies as a database owner who is not a superuser, without the event trigger", async () => {
    const owner = await createLoginRole(serverUrl(), "db_owner");
    const url = await createDatabase("non_super");
    await withClient(serverUrl(), (c) => c.query(`ALTER DATABASE ${new URL(url).pathname.slice(1)} OWNER TO ${owner.name}`));
    const result = await migrate({ databaseUrl: owner.as(url), dir: REPO_MIGRATIONS });
    expect(result.applied).toHaveLength(readMigrationDir(REPO_MIGRATIONS).length);
    const triggers = await withClient(url, async (c) => (await c.query("SELECT evtname FROM pg_event_trigger")).rows);
    expect(triggers).toEqual([]);
  });
});
