import { describe, expect, it } from "vitest";
import { migrate } from "../../src/migrations/runner";
import { createDatabase, sqlSent, withClient } from "../harness/postgres";
import { migrationDir, SMALL_SCHEMA } from "./fixtures";

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
