import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readMigrationDir } from "../../src/migrations/files";
import { findTool } from "../harness/tools";

/**
 * The migration files applied by runners we did not write: psql (file by file, as an operator
 * would, or a whole script with -1) and dbmate 2.24.0 (the npm devDependency). Also used by
 * bench/migrate.ts, so the benchmark and the tests feed dbmate the same files.
 */

export interface ToolRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

const ROOT = path.resolve(__dirname, "..", "..");
export const DBMATE = path.join(ROOT, "node_modules", ".bin", "dbmate");

function run(command: string, args: readonly string[]): ToolRun {
  const result = spawnSync(command, args, { encoding: "utf8", env: { ...process.env, PGCONNECT_TIMEOUT: "10" } });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `psql -X -v ON_ERROR_STOP=1 [-1] [-v name=value ...] -f file url`: stops at the first error. */
export function psqlFile(url: string, file: string, options: { singleTransaction?: boolean; variables?: Record<string, string> } = {}): ToolRun {
  const psql = findTool("psql");
  if (!psql) throw new Error("psql is missing: install Debian package postgresql-client");
  const variables = Object.entries(options.variables ?? {}).flatMap(([name, value]) => ["-v", `${name}=${value}`]);
  return run(psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1", ...(options.singleTransaction ? ["-1"] : []), ...variables, "-f", file, url]);
}

/** Every V file in version order with plain `psql -f`; throws naming the first file that failed. */
export function applyWithPsql(url: string, dir: string): void {
  for (const file of readMigrationDir(dir)) {
    const result = psqlFile(url, file.path);
    if (result.status !== 0) throw new Error(`psql -f ${file.fileName} failed (${result.status}): ${result.stderr}`);
  }
}

/**
 * The V files in dbmate's format, in a new temporary folder: zero-padded versions (dbmate sorts by
 * name), its up/down markers, and `transaction:false` for a no-transaction file.
 */
export function dbmateMigrations(dir: string): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "dbmate-migrations-"));
  for (const file of readMigrationDir(dir)) {
    const header = file.transaction ? "-- migrate:up" : "-- migrate:up transaction:false";
    fs.writeFileSync(path.join(out, `${String(file.version).padStart(4, "0")}_${file.name}.sql`), `${header}\n${file.content}\n\n-- migrate:down\n`);
  }
  return out;
}

/** dbmate's URL: the same database; TLS off only where the URL says nothing about it (dbmate's default is to require it). */
export function dbmateUrl(url: string): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has("sslmode")) parsed.searchParams.set("sslmode", "disable");
  return parsed.toString();
}

/** The arguments of `dbmate up` for `url` and a folder from dbmateMigrations. */
export function dbmateUpArgs(url: string, migrationsDir: string): string[] {
  return ["--url", dbmateUrl(url), "--migrations-dir", migrationsDir, "--no-dump-schema", "up"];
}

export function applyWithDbmate(url: string, migrationsDir: string): ToolRun {
  return run(DBMATE, dbmateUpArgs(url, migrationsDir));
}
