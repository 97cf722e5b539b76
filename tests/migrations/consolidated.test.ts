import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { catalogDifferences, describeCatalog, withoutBookkeeping } from "../../src/migrations/catalog";
import { applyScript, renderConsolidated } from "../../src/migrations/consolidate";
import { CONSOLIDATED_FILE_NAME, readMigrationDir } from "../../src/migrations/files";
import { migrate } from "../../src/migrations/runner";
import { createDatabase, withClient } from "../harness/postgres";
import { haveTools } from "../harness/tools";
import { migrationDir, REPO_MIGRATIONS, SMALL_SCHEMA } from "./fixtures";
import { applyWithDbmate, applyWithPsql, dbmateMigrations, psqlFile } from "./standard-runners";

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
    expect({ applied: after.applied.length, alreadyApplied: after.alreadyApplied }).toEqual({ applied: 0, alreadyApplied: readMigrationDir(REPO_MIGRATIONS).length });
  });

  it("builds a no-transaction index plainly inside its one transaction and terminates a last statement without semicolon", async () => {
    const dir = migrationDir({
      ...SMALL_SCHEMA,
      "V3__index.sql": "-- oceanid:no-transaction\nCREATE INDEX CONCURRENTLY document_title_idx ON stage.document (title)",
      "V4__flag.sql": "CREATE TABLE curated.flag_state (iso3 char(3) PRIMARY KEY) -- no semicolon",
      "V5__drop.sql": "-- oceanid:no-transaction\nDROP INDEX /* the option: */ CONCURRENTLY IF EXISTS \"concurrently\";\n",
    });
    const text = await renderConsolidated(readMigrationDir(dir), "cleandata");
    expect(text).not.toMatch(/^\s*(BEGIN|COMMIT|START TRANSACTION)\b/im);
    expect(text).toContain("\nCREATE INDEX document_title_idx ON stage.document (title)\n;");
    expect(text).toContain("\nDROP INDEX /* the option: */ IF EXISTS \"concurrently\";");
    const { catalogs } = await buildBoth(dir, text);
    expect(catalogDifferences(catalogs[0]!, catalogs[1]!)).toEqual([]);
  });

  it("refuses a no-transaction statement that cannot run inside its one transaction, naming the file", async () => {
    const dir = migrationDir({ ...SMALL_SCHEMA, "V3__vacuum.sql": "-- oceanid:no-transaction\nVACUUM stage.document;\n" });
    await expect(renderConsolidated(readMigrationDir(dir), "cleandata")).rejects.toThrow(/^V3__vacuum\.sql: a "-- oceanid:no-transaction" file goes into the consolidated file's single transaction/);
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

/** What is left in a database: user schemas, extensions, roles' objects, version rows. */
async function leftovers(url: string): Promise<string[]> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ what: string }>(
      `SELECT 'schema ' || nspname AS what FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'public') AND nspname NOT LIKE 'pg\\_%'
       UNION ALL SELECT 'extension ' || extname FROM pg_extension WHERE extname <> 'plpgsql'
       UNION ALL SELECT 'relation ' || oid::regclass FROM pg_class WHERE relnamespace = 'public'::regnamespace
       UNION ALL SELECT 'event trigger ' || evtname FROM pg_event_trigger`,
    );
    return rows.map((r) => r.what);
  });
}

const CONSOLIDATED_PATH = path.join(REPO_MIGRATIONS, CONSOLIDATED_FILE_NAME);

describe.skipIf(!haveTools(["psql"], ["postgresql-client"]))("the files under standard runners (psql, dbmate)", () => {
  it("psql file by file, dbmate, our runner and psql -1 of the consolidated file build the same catalog", async () => {
    const [ours, byPsql, byDbmate, byConsolidated] = await Promise.all(["ours", "psql", "dbmate", "psql1"].map((p) => createDatabase(p)));
    await migrate({ databaseUrl: ours!, dir: REPO_MIGRATIONS });
    applyWithPsql(byPsql!, REPO_MIGRATIONS);
    const dbmateDir = dbmateMigrations(REPO_MIGRATIONS);
    try {
      const dbmate = applyWithDbmate(byDbmate!, dbmateDir);
      expect(dbmate.status, dbmate.stderr).toBe(0);
    } finally {
      fs.rmSync(dbmateDir, { recursive: true, force: true });
    }
    const consolidated = psqlFile(byConsolidated!, CONSOLIDATED_PATH, { singleTransaction: true });
    // No "there is already a transaction in progress" or other warning: the file is one transaction's body.
    expect({ status: consolidated.status, stderr: consolidated.stderr.split("\n").filter((l) => /WARNING|ERROR/.test(l)) }).toEqual({ status: 0, stderr: [] });

    const [reference, psqlCatalog, dbmateCatalog, consolidatedCatalog] = await Promise.all([ours!, byPsql!, byDbmate!, byConsolidated!].map((url) => withClient(url, describeCatalog)));
    // Each runner keeps its own history; everything the files build is identical.
    expect(catalogDifferences(withoutBookkeeping(reference!), withoutBookkeeping(psqlCatalog!))).toEqual([]);
    expect(catalogDifferences(withoutBookkeeping(reference!), withoutBookkeeping(dbmateCatalog!))).toEqual([]);
    // The consolidated file also writes our history, so that matches too.
    expect(catalogDifferences(reference!, consolidatedCatalog!)).toEqual([]);
    expect(reference!.some((line) => line.startsWith("event-trigger "))).toBe(true);
  });

  it("after psql file by file, migrate names --baseline, and with it the catalog is our runner's own", async () => {
    const [ours, byPsql] = await Promise.all([createDatabase("ours"), createDatabase("psql")]);
    await migrate({ databaseUrl: ours, dir: REPO_MIGRATIONS });
    applyWithPsql(byPsql, REPO_MIGRATIONS);
    const last = readMigrationDir(REPO_MIGRATIONS).at(-1)!;
    await expect(migrate({ databaseUrl: byPsql, dir: REPO_MIGRATIONS })).rejects.toThrow(`--baseline ${last.version} if every file up to ${last.fileName} was applied`);
    const adopted = await migrate({ databaseUrl: byPsql, dir: REPO_MIGRATIONS, baseline: last.version });
    expect(adopted.applied).toEqual([]);
    const [reference, adoptedCatalog] = await Promise.all([ours, byPsql].map((url) => withClient(url, describeCatalog)));
    expect(catalogDifferences(reference!, adoptedCatalog!)).toEqual([]);
  });

  it("psql -1 of a copy whose last statement is broken leaves the database empty", async () => {
    const url = await createDatabase("broken");
    const text = fs.readFileSync(CONSOLIDATED_PATH, "utf8").trimEnd();
    const lastStatement = text.lastIndexOf("\nINSERT INTO control.schema_versions");
    expect(lastStatement).toBeGreaterThan(0);
    const broken = path.join(migrationDir({}), CONSOLIDATED_FILE_NAME);
    fs.writeFileSync(broken, `${text.slice(0, lastStatement)}\nINSERT INTO control.schema_versions (domain, version) VALUES ('cleandata', 'not a number');\n`);

    const result = psqlFile(url, broken, { singleTransaction: true });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/invalid input syntax for type integer/);
    expect(await leftovers(url)).toEqual([]);
  });
});
