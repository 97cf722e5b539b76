import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { catalogDifferences, describeCatalog } from "../../src/migrations/catalog";
import { applyScript, renderConsolidated } from "../../src/migrations/consolidate";
import { CONSOLIDATED_FILE_NAME, readMigrationDir } from "../../src/migrations/files";
import { migrate } from "../../src/migrations/runner";
import { createDatabase, withClient } from "../harness/postgres";
import { migrationDir, REPO_MIGRATIONS, SMALL_SCHEMA } from "./fixtures";

/** Builds one database from the versioned files and one from the consolidated text; returns both catalogs. */
async function buildBoth(dir: string, consolidated: string) {
  const [versioned, fromConsolidated] = await Promise.all([createDatabase("versioned"), createDatabase("consolidated")]);
  await migrate({ databaseUrl: versioned, dir });
  await withClient(fromConsolidated, (c) => applyScript(c, consolidated));
  return { versioned, fromConsolidated, catalogs: await Promise.all([versioned, fromConsolidated].map((url) => withClient(url, describeCatalog))) };
}

describe("the consolidated schema file", () => {
  it("is up to date with the versioned files", async () => {
    const committed = fs.readFileSync(path.join(REPO_MIGRATIONS, CONSOLIDATED_FILE_NAME), "utf8");
    expect(committed).toBe(await renderConsolidated(readMigrationDir(REPO_MIGRATIONS), "cleandata"));
  });

  it("builds the same catalog as the versioned files, and leaves nothing for migrate to do", async () => {
    const committed = fs.readFileSync(path.join(REPO_MIGRATIONS, CONSOLIDATED_FILE_NAME), "utf8");
    const { fromConsolidated, catalogs } = await buildBoth(REPO_MIGRATIONS, committed);
    const [versioned, consolidated] = catalogs;
    expect(catalogDifferences(versioned!, consolidated!)).toEqual([]);
    // The description covers what the schema is made of, not just table names.
    for (const kind of ["column", "constraint", "index", "trigger", "function", "default-acl", "extension", "schema-version"]) {
      expect(versioned!.some((line) => line.startsWith(`${kind} `))).toBe(true);
    }
    const after = await migrate({ databaseUrl: fromConsolidated, dir: REPO_MIGRATIONS });
    expect({ applied: after.applied.length, alreadyApplied: after.alreadyApplied }).toEqual({ applied: 0, alreadyApplied: 10 });
  });

  it("keeps a no-transaction file between transactions and terminates a last statement without semicolon", async () => {
    const dir = migrationDir({
      ...SMALL_SCHEMA,
      "V3__index.sql": "-- oceanid:no-transaction\nCREATE INDEX CONCURRENTLY document_title_idx ON stage.document (title)",
      "V4__flag.sql": "CREATE TABLE curated.flag_state (iso3 char(3) PRIMARY KEY) -- no semicolon",
    });
    const text = await renderConsolidated(readMigrationDir(dir), "cleandata");
    expect(text.match(/^(BEGIN|COMMIT);$/gm)).toEqual(["BEGIN", "COMMIT", "BEGIN", "COMMIT"].map((s) => `${s};`));
    const { catalogs } = await buildBoth(dir, text);
    expect(catalogDifferences(catalogs[0]!, catalogs[1]!)).toEqual([]);
  });

  it("a difference in the catalog is reported", async () => {
    const dir = migrationDir(SMALL_SCHEMA);
    const text = await renderConsolidated(readMigrationDir(dir), "cleandata");
    const { fromConsolidated, versioned } = await buildBoth(dir, text);
    await withClient(fromConsolidated, (c) => c.query("CREATE INDEX vessel_imo_extra ON curated.vessel (imo_number); ALTER TABLE stage.document ALTER COLUMN title DROP NOT NULL"));
    const [a, b] = await Promise.all([versioned, fromConsolidated].map((url) => withClient(url, describeCatalog)));
    expect(catalogDifferences(a!, b!).map((line) => line.replace(/ comment=.*/, ""))).toEqual([
      "- column stage.document #2 title r type=text notnull=t default= identity= generated= collation=default acl=",
      // Postgres 18 records NOT NULL as a constraint too.
      "- constraint stage.document document_title_not_null NOT NULL title deferrable=f deferred=f validated=t",
      "+ column stage.document #2 title r type=text notnull=f default= identity= generated= collation=default acl=",
      "+ index CREATE INDEX vessel_imo_extra ON curated.vessel USING btree (imo_number) valid=t",
    ]);
  });
});
