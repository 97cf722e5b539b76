import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { checksum, normaliseSql } from "../../src/migrations/checksum";
import { parseMigrationFileName } from "../../src/migrations/file-name";
import { CONSOLIDATED_FILE_NAME, migrationFileInputs, readMigrationDir } from "../../src/migrations/files";
import { parseDirectives } from "../../src/migrations/header";
import { migrationDir, SMALL_SCHEMA } from "./fixtures";

describe("migration file names", () => {
  it("parses Flyway names into a numeric version and a name", () => {
    expect(parseMigrationFileName("V10__curated_vessel.sql")).toEqual({ version: 10, name: "curated_vessel" });
    expect(parseMigrationFileName("V007__x.sql")).toEqual({ version: 7, name: "x" });
  });

  it.each(["V1_single_underscore.sql", "v1__lower.sql", "V1.1__dotted.sql", "V1__has-dash.sql"])("rejects %s, naming the file and the expected pattern", (name) => {
    expect(() => parseMigrationFileName(name)).toThrow(`${name}: not a migration file name. Name it V<version>__<name>.sql`);
  });

  it("rejects version 0", () => {
    expect(() => parseMigrationFileName("V0__zero.sql")).toThrow("V0__zero.sql: version 0 is out of range; use an integer from 1 to 2147483647.");
  });
});

describe("checksums", () => {
  it("ignore line endings, a BOM, trailing spaces and trailing blank lines", () => {
    const base = "CREATE TABLE t (\n  id int\n);";
    expect(checksum("\uFEFFCREATE TABLE t (\r\n  id int   \r\n);\r\n\r\n")).toBe(checksum(base));
    expect(normaliseSql("a  \r\nb\n\n")).toBe("a\nb");
  });

  it("change with any change to the SQL itself", () => {
    expect(checksum("CREATE TABLE t (id int);")).not.toBe(checksum("CREATE TABLE t (id bigint);"));
    expect(checksum("a")).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("header directives", () => {
  it("opt a file out of its transaction only in the header", () => {
    expect(parseDirectives("V1__a.sql", "-- oceanid:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (c);")).toEqual({ transaction: false });
    expect(parseDirectives("V1__a.sql", "-- a comment\n\n--   oceanid:no-transaction  \nSELECT 1;")).toEqual({ transaction: false });
    expect(parseDirectives("V1__a.sql", "SELECT 1;\n-- oceanid:no-transaction\n")).toEqual({ transaction: true });
  });

  it("reject an unknown directive, naming the file", () => {
    expect(() => parseDirectives("V3__x.sql", "-- oceanid:no-transactions\nSELECT 1;")).toThrow(/^V3__x\.sql: unknown directive "-- oceanid:no-transactions"/);
  });
});

describe("reading the migrations folder", () => {
  it("sorts by numeric version (V2 before V10) and skips the consolidated file and non-SQL files", () => {
    const dir = migrationDir({ ...SMALL_SCHEMA, [CONSOLIDATED_FILE_NAME]: "-- generated", "README.md": "notes" });
    expect(readMigrationDir(dir).map((f) => f.fileName)).toEqual(["V1__schemas.sql", "V2__documents.sql", "V10__vessels.sql"]);
  });

  it("gives the Pulumi inputs: version, name and checksum only, the same on every read", () => {
    const dir = migrationDir(SMALL_SCHEMA);
    const inputs = migrationFileInputs(dir);
    expect(inputs).toEqual(migrationFileInputs(dir));
    expect(inputs[2]).toEqual({ version: 10, name: "vessels", checksum: checksum(SMALL_SCHEMA["V10__vessels.sql"]) });
  });

  it("rejects two files with one version, a near-miss name, a missing folder and an empty one", () => {
    expect(() => readMigrationDir(migrationDir({ "V1__a.sql": "", "V01__b.sql": "" }))).toThrow("V01__b.sql and V1__a.sql share version 1; give the newer file the next free version.");
    expect(() => readMigrationDir(migrationDir({ "V1__a.sql": "", "V2-b.sql": "" }))).toThrow(/^V2-b\.sql: not a migration file name/);
    expect(() => readMigrationDir(path.join(migrationDir({}), "nope"))).toThrow(/cannot be read \(ENOENT\); pass --dir/);
    expect(() => readMigrationDir(migrationDir({ "notes.txt": "" }))).toThrow(/^No V<n>__<name>\.sql files in .*; pass --dir/);
  });

  it("reads the committed schema in version order", () => {
    const files = readMigrationDir(path.resolve(__dirname, "../../sql/migrations"));
    expect(files.map((f) => f.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(files.filter((f) => !f.transaction).map((f) => f.fileName)).toEqual(["V10__vessel_name_trigram_index.sql"]);
    expect(fs.existsSync(path.resolve(__dirname, "../../sql/migrations", CONSOLIDATED_FILE_NAME))).toBe(true);
  });
});
