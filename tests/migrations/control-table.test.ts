import { describe, expect, it } from "vitest";
import { CONTROL_TABLE_SQL } from "../../src/migrations/control-table";
import { migrate } from "../../src/migrations/runner";
import { createDatabase, sqlSent, withClient } from "../harness/postgres";
import { migrationDir, SMALL_SCHEMA, writeFiles } from "./fixtures";

describe("control.schema_versions on a first run (issue 10: as quick as dbmate)", () => {
  it("creates the table without reading its shape first, and lists what the database held without history in the same query", async () => {
    const url = await createDatabase();
    const sent = await sqlSent(() => migrate({ databaseUrl: url, dir: migrationDir(SMALL_SCHEMA) }));
    expect(sent.filter((q) => q.includes("pg_attribute"))).toEqual([]);
    const creating = sent.filter((q) => q.includes("CREATE TABLE IF NOT EXISTS control.schema_versions"));
    expect(creating).toHaveLength(1);
    expect(sent.filter((q) => q.includes("WITH user_object AS"))).toEqual(creating);
  });

  it("still refuses a schema built without history, from that same query", async () => {
    const url = await createDatabase();
    await withClient(url, (c) => c.query(SMALL_SCHEMA["V1__schemas.sql"] + SMALL_SCHEMA["V2__documents.sql"]));
    await expect(migrate({ databaseUrl: url, dir: migrationDir(SMALL_SCHEMA) })).rejects.toThrow(/already holds a schema \(e\.g\. stage\.document\) but control\.schema_versions records no migration/);
    // Nothing applied; the table it created is empty.
    const rows = await withClient(url, (c) => c.query("SELECT count(*)::int AS n FROM control.schema_versions"));
    expect(rows.rows).toEqual([{ n: 0 }]);
  });
});

describe("control.schema_versions when it exists", () => {
  it("refuses a schema built without history next to an empty history table, asking on its own", async () => {
    const url = await createDatabase();
    await withClient(url, (c) => c.query(`${CONTROL_TABLE_SQL}\n${SMALL_SCHEMA["V1__schemas.sql"]}${SMALL_SCHEMA["V2__documents.sql"]}`));
    let failure: Error | undefined;
    const queries = await sqlSent(() => migrate({ databaseUrl: url, dir: migrationDir(SMALL_SCHEMA) }).catch((err: Error) => (failure = err)));
    expect(failure?.message).toMatch(/already holds a schema \(e\.g\. stage\.document\) but control\.schema_versions records no migration/);
    expect(queries.filter((q) => q.includes("CREATE TABLE"))).toEqual([]);
  });

  it("reads its shape first in a dry run, whose transaction a failed read would end, and tries only the files not yet applied", async () => {
    const url = await createDatabase();
    const dir = migrationDir(SMALL_SCHEMA);
    await migrate({ databaseUrl: url, dir });
    writeFiles(dir, { "V11__flags.sql": "CREATE TABLE curated.flag_state (iso3 char(3) PRIMARY KEY);" });
    const queries = await sqlSent(async () => {
      const dry = await migrate({ databaseUrl: url, dir, dryRun: true });
      expect({ pending: dry.pending.map((f) => f.version), alreadyApplied: dry.alreadyApplied }).toEqual({ pending: [11], alreadyApplied: 3 });
    });
    expect(queries.filter((q) => q.includes("pg_attribute"))).toHaveLength(1);
    const [table] = await withClient(url, async (c) => (await c.query("SELECT to_regclass('curated.flag_state') AS t")).rows);
    expect(table).toEqual({ t: null });
  });
});
