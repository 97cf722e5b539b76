import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { withClient } from "../harness/postgres";

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

export interface LoginRole {
  name: string;
  /** `url` (a URL of the run's server) with this role's name and password instead. */
  as(url: string): string;
}

let roleCounter = 0;

/**
 * A new login role with a password on the run's server (roles are cluster-wide, hence the unique
 * name), created through `adminUrl` with the extra `options` (e.g. "IN ROLE cleandata_bi_readonly").
 */
export async function createLoginRole(adminUrl: string, prefix: string, options = ""): Promise<LoginRole> {
  const name = `${prefix}_${process.pid}_${roleCounter++}`;
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  await withClient(adminUrl, (c) => c.query(`CREATE ROLE ${name} LOGIN PASSWORD '${password}' ${options}`));
  return {
    name,
    as(url) {
      const parsed = new URL(url);
      parsed.username = name;
      parsed.password = password;
      return parsed.toString();
    },
  };
}
