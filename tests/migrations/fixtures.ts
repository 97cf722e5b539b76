import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** A fresh migrations folder holding `files` (name → content). */
export function migrationDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oceanid-migrations-"));
  writeFiles(dir, files);
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
}

/** Three small files in the shape of the real schema, for runner tests. */
export const SMALL_SCHEMA = {
  "V1__schemas.sql": "CREATE SCHEMA stage;\nCREATE SCHEMA curated;\n",
  "V2__documents.sql": "CREATE TABLE stage.document (\n  document_id bigint PRIMARY KEY,\n  title text NOT NULL\n);\n",
  "V10__vessels.sql": "CREATE TABLE curated.vessel (\n  vessel_id bigint PRIMARY KEY,\n  imo_number integer UNIQUE\n);\n",
};

export const REPO_MIGRATIONS = path.resolve(__dirname, "..", "..", "sql", "migrations");
