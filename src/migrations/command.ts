import { InvalidArgumentError, type Command } from "commander";
import { UsageError } from "../cli/errors";
import { isMigrationError } from "./errors";

// Runner, pg and libpg-query are required inside the actions: `oceanid --help` and the other
// commands should not pay for loading them.
type Runner = typeof import("./runner");

interface MigrateFlags {
  databaseUrl?: string;
  dir?: string;
  domain: string;
  target?: number;
  baseline?: number;
  dryRun: boolean;
  json: boolean;
  verify: boolean;
  lockTimeout: number;
  connectTimeout: number;
}

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError("expected a positive integer.");
  return Number(value);
}

function databaseUrl(flags: MigrateFlags): string {
  const url = flags.databaseUrl ?? process.env.DATABASE_URL;
  if (!url) {
    throw new UsageError(
      "No database: pass --database-url or set DATABASE_URL, e.g. DATABASE_URL=$(esc env get default/oceanid-cluster pulumiConfig.oceanid-cluster:cleandataDbUrl --value string --show-secrets).",
    );
  }
  // Never echo the URL: it carries the password.
  if (!/^postgres(ql)?:\/\/[^/]+/.test(url)) throw new UsageError("--database-url / DATABASE_URL is not a postgres:// or postgresql:// URL.");
  return url;
}

/** Runs `fn`, turning errors meant for the operator into clean CLI errors. */
async function operatorErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isMigrationError(err)) throw new UsageError(err.message);
    throw err;
  }
}

const stderrLog = (line: string) => process.stderr.write(`${line}\n`);

/** The project's migrations, wherever the command runs from (this file is src/migrations/command.ts). */
function migrationsDir(flags: { dir?: string }): string {
  const path = require("node:path") as typeof import("node:path");
  const { DEFAULT_MIGRATIONS_DIR } = require("./files") as typeof import("./files");
  return flags.dir ?? path.resolve(__dirname, "..", "..", DEFAULT_MIGRATIONS_DIR);
}

/** A path as the operator would type it: relative to the current directory when inside it. */
function shown(file: string): string {
  const path = require("node:path") as typeof import("node:path");
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}

/**
 * With --json, a failure still prints one JSON object on stdout ({"error": {"message"}}), so
 * whatever keeps stdout (the workflow's artifact) says why the run failed; the message goes to
 * stderr and the status is 1 as usual.
 */
async function runMigrate(flags: MigrateFlags): Promise<void> {
  if (!flags.json || flags.verify) return migrateOrVerify(flags);
  try {
    await migrateOrVerify(flags);
  } catch (err) {
    const { scrubSecrets } = require("./redact") as typeof import("./redact");
    const message = scrubSecrets(err instanceof Error ? err.message : String(err), flags.databaseUrl ?? process.env.DATABASE_URL);
    process.stdout.write(`${JSON.stringify({ error: { message } }, null, 2)}\n`);
    throw err;
  }
}

async function migrateOrVerify(flags: MigrateFlags): Promise<void> {
  const dir = migrationsDir(flags);
  if (flags.verify) {
    const { verifyMigrations } = require("./verify") as typeof import("./verify");
    await operatorErrors(() => verifyMigrations(dir, stderrLog));
    return;
  }
  const { migrate } = require("./runner") as Runner;
  const result = await operatorErrors(() =>
    migrate({
      databaseUrl: databaseUrl(flags),
      dir,
      domain: flags.domain,
      target: flags.target,
      baseline: flags.baseline,
      dryRun: flags.dryRun,
      lockTimeoutMs: flags.lockTimeout * 1000,
      connectTimeoutMs: flags.connectTimeout * 1000,
      log: stderrLog,
    }),
  );
  if (flags.json) {
    const { baselined, ...rest } = result;
    process.stdout.write(`${JSON.stringify({ ...rest, ...(baselined.length > 0 ? { baselined } : {}) }, null, 2)}\n`);
    return;
  }
  const names = (files: Array<{ version: number; name: string }>) => (files.length ? ` (${files.map((f) => `V${f.version}__${f.name}`).join(", ")})` : "");
  const verb = result.dryRun ? "would apply" : "applied";
  const count = result.dryRun ? result.pending.length : result.applied.length;
  process.stdout.write(
    `${result.domain} at ${result.database}: ${verb} ${count} file(s)${names(result.dryRun ? result.pending : result.applied)}; ` +
      `${result.alreadyApplied} already applied` +
      (result.baselined.length ? `; baselined ${result.baselined.length}${names(result.baselined)}` : "") +
      (!result.dryRun && result.pending.length ? `; ${result.pending.length} left pending after --target` : "") +
      `.\n`,
  );
}

async function runConsolidate(flags: { dir?: string; check: boolean }): Promise<void> {
  const fs = require("node:fs") as typeof import("node:fs");
  const path = require("node:path") as typeof import("node:path");
  const { renderConsolidated } = require("./consolidate") as typeof import("./consolidate");
  const { CONSOLIDATED_FILE_NAME, readMigrationDir } = require("./files") as typeof import("./files");
  const { DEFAULT_DOMAIN } = require("./runner") as Runner;
  const dir = migrationsDir(flags);
  const target = shown(path.join(dir, CONSOLIDATED_FILE_NAME));
  const text = await operatorErrors(async () => renderConsolidated(readMigrationDir(dir), DEFAULT_DOMAIN));
  const current = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : undefined;
  if (flags.check) {
    if (current !== text) throw new UsageError(`${target} is out of date: run \`oceanid migrate consolidate --dir ${shown(dir)}\` and commit it.`);
    process.stderr.write(`${target} is up to date.\n`);
    return;
  }
  if (current !== text) fs.writeFileSync(target, text);
  process.stderr.write(`${target} ${current === text ? "already up to date" : "written"}.\n`);
}

/** `oceanid migrate`: the cleandata migration runner, its offline check and the consolidated-file generator. */
export function registerMigrateCommand(program: Command): void {
  const migrate = program
    .command("migrate")
    .description("Apply sql/migrations to the cleandata database (refuses Label Studio's labelfish), or check them offline with --verify")
    .option("--database-url <url>", "Postgres URL of the cleandata database, direct port (default: $DATABASE_URL)")
    .option("--dir <dir>", "folder of V<n>__<name>.sql files (default: the project's sql/migrations, from any directory)")
    .option("--domain <name>", "control.schema_versions domain and lock name", "cleandata")
    .option("--target <version>", "stop after this version", positiveInteger)
    .option("--baseline <version>", "record files up to this version as applied without running them (adopting an existing database)", positiveInteger)
    .option("--dry-run", "run pending files in a transaction that is rolled back; change nothing", false)
    .option("--json", 'print { "database", "domain", "dryRun", "applied", "pending", "alreadyApplied" } on stdout, or { "error": { "message" } } on failure', false)
    .option("--lock-timeout <seconds>", "how long to wait for another run's lock", positiveInteger, 60)
    .option("--connect-timeout <seconds>", "how long to wait for the server", positiveInteger, 10)
    .option("--verify", "no database needed: apply every file twice on an embedded Postgres and check the consolidated file", false)
    .action((flags: MigrateFlags, command: Command) => {
      for (const flag of ["target", "baseline", "dryRun", "databaseUrl"] as const) {
        if (flags.verify && flags[flag] !== undefined && flags[flag] !== false) {
          throw new UsageError(`--verify runs on its own embedded Postgres; drop --${command.options.find((o) => o.attributeName() === flag)!.name()}.`);
        }
      }
      return runMigrate(flags);
    });
  migrate
    .command("consolidate")
    .description("Regenerate <dir>/consolidated_cleandata_schema.sql from the versioned files (--dir as for migrate)")
    .option("--check", "fail if the committed file is out of date instead of writing it", false)
    // --dir belongs to `migrate`, which parses it wherever it appears on the line.
    .action((_flags: unknown, command: Command) => runConsolidate(command.optsWithGlobals<{ dir?: string; check: boolean }>()));
}
