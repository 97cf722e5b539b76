import type { Client } from "pg";
import { ensureControlTable, readAppliedRows, recordedMeanwhile, recordFile, recordFileSql, unrecordedObjects } from "./control-table";
import { withAdvisoryLock, withClient, withTransaction } from "./db";
import { applyFileWithRow, runFileInSavepoint, runStatements } from "./execute";
import { migrationError } from "./errors";
import { readMigrationDir, type MigrationFile } from "./files";
import { refuseLabelStudioDatabase, refuseLabelStudioUrl } from "./guard";
import { planMigrations, type Plan } from "./plan";
import { describeTarget, scrubSecrets } from "./redact";
import { soleStatement, splitStatements, type Statement } from "./statements";

export const DEFAULT_DOMAIN = "cleandata";

export interface MigrateOptions {
  databaseUrl: string;
  dir: string;
  /** control.schema_versions domain and advisory-lock name; default "cleandata". */
  domain?: string;
  target?: number;
  baseline?: number;
  /** Run pending files inside one transaction that is always rolled back. */
  dryRun?: boolean;
  lockTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Progress lines (the CLI sends them to stderr). */
  log?: (line: string) => void;
}

export interface FileSummary {
  version: number;
  name: string;
  checksum: string;
}

export interface MigrateResult {
  /** host:port/database — never the user or password. */
  database: string;
  domain: string;
  dryRun: boolean;
  applied: Array<FileSummary & { ms: number }>;
  baselined: FileSummary[];
  /** Dry run: the files that would run. Otherwise: files still not applied (beyond --target). */
  pending: FileSummary[];
  alreadyApplied: number;
}

export const DEFAULT_LOCK_TIMEOUT_MS = 60_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

const summary = ({ version, name, checksum }: MigrationFile): FileSummary => ({ version, name, checksum });

/**
 * A no-transaction file runs as a single statement on its own (a multi-statement query would be
 * an implicit transaction, which CREATE INDEX CONCURRENTLY refuses). Checked for every pending
 * file before anything runs. When one statement is certain without parsing (soleStatement), the
 * server checks its syntax as it runs it, as for any other file; a dry run, which promises a
 * syntax check of the files it does not run, always parses.
 */
async function prepareNoTransaction(pending: readonly MigrationFile[], dryRun: boolean): Promise<Map<MigrationFile, Statement>> {
  const prepared = new Map<MigrationFile, Statement>();
  for (const file of pending.filter((f) => !f.transaction)) {
    const sole = dryRun ? undefined : soleStatement(file.content);
    const statements = sole ? [sole] : await splitStatements(file.fileName, file.content);
    if (statements.length !== 1) {
      throw migrationError(
        `${file.fileName}: a "-- oceanid:no-transaction" file runs outside a transaction, so it must hold exactly one statement (it has ${statements.length}); split it into one file per statement.`,
      );
    }
    prepared.set(file, statements[0]!);
  }
  return prepared;
}

async function migrateLocked(client: Client, files: MigrationFile[], options: MigrateOptions, domain: string): Promise<Omit<MigrateResult, "database">> {
  const log = options.log ?? (() => {});
  const dryRun = options.dryRun ?? false;
  // In a dry run everything happens in one outer transaction rolled back at the end, so each
  // file still sees the files before it; otherwise each step has its own transaction.
  const step = <T>(fn: () => Promise<T>) => (dryRun ? fn() : withTransaction(client, fn));

  // Outside a dry run the rows are read first, in the usual case the only query this takes: a
  // missing table (42P01) or an earlier shape (42703) fails it with no side effects; a missing one
  // is created, an earlier one checked. In a dry run's transaction a failed query would abort it,
  // so the shape comes first.
  let missing = false;
  let rows = dryRun
    ? undefined
    : await readAppliedRows(client, domain).catch((err: { code?: string }) => {
        // Stryker disable next-line ConditionalExpression: letting another error (privilege, dropped connection) through changes no outcome: the shape check below fails with it too.
        if (err.code !== "42P01" && err.code !== "42703") throw err;
        missing = err.code === "42P01";
        return undefined;
      });
  let unrecorded: string[] | undefined;
  if (rows === undefined) {
    const control = await ensureControlTable(client, step, missing);
    if (control.shape === "upgraded") log(`${domain}: upgraded control.schema_versions from the earlier shape in place; its rows are kept as origin 'legacy'`);
    // A table this run just created (under the lock) has no rows to read.
    if (control.shape === "created") [rows, unrecorded] = [[], control.unrecordedObjects];
    else rows = await readAppliedRows(client, domain);
  }
  // No history for this domain: is there a schema someone built without this runner? (The plan
  // lets --baseline adopt it.) Asked only then, so a run with history does not pay for the query.
  unrecorded ??= rows.length === 0 ? await unrecordedObjects(client) : [];
  const result = planMigrations(files, rows, { target: options.target, baseline: options.baseline, unrecordedObjects: unrecorded });
  if (!result.ok) throw migrationError(`Nothing was applied:\n- ${result.errors.join("\n- ")}`);
  const plan: Plan<MigrationFile> = result.plan;
  const noTransaction = await prepareNoTransaction(plan.pending, dryRun);

  if (plan.baseline.length > 0) {
    await step(async () => {
      for (const file of plan.baseline) await recordFile(client, domain, file, "baseline", 0);
    });
    log(`${domain}: baselined ${plan.baseline.map((f) => f.fileName).join(", ")} (recorded as applied, not run)`);
  }

  const applied: MigrateResult["applied"] = [];
  for (const file of plan.pending) {
    if (dryRun && !file.transaction) {
      log(`${domain}: ${file.fileName}: no-transaction file, syntax checked but not run in a dry run`);
      continue;
    }
    log(`${domain}: ${dryRun ? "trying" : "applying"} ${file.fileName}`);
    const started = performance.now();
    const consequence = dryRun
      ? "Dry run: everything was rolled back."
      : file.transaction
        ? `Its transaction was rolled back: nothing from ${file.fileName} was applied${applied.length ? `; files before it stay applied` : ""}.`
        : `It ran outside a transaction (no-transaction header), so check what it left behind before rerunning.`;
    if (file.transaction && !dryRun) {
      await applyFileWithRow(client, file.fileName, file.content, recordFileSql(client, domain, file), consequence, (err) => recordedMeanwhile(err, domain, file));
    } else {
      if (file.transaction) await runFileInSavepoint(client, file.fileName, file.content, consequence);
      else await runStatements(client, file.fileName, [noTransaction.get(file)!], consequence);
      await recordFile(client, domain, file, "migrate", Math.round(performance.now() - started));
    }
    const ms = Math.round(performance.now() - started);
    log(`${domain}: ${dryRun ? "ran" : "applied"} ${file.fileName} in ${ms} ms`);
    if (!dryRun) applied.push({ ...summary(file), ms });
  }

  const done = new Set([...plan.alreadyApplied, ...plan.baseline, ...plan.pending]);
  return {
    domain,
    dryRun,
    applied,
    baselined: plan.baseline.map(summary),
    pending: (dryRun ? plan.pending : files.filter((f) => !done.has(f))).map(summary),
    alreadyApplied: plan.alreadyApplied.length,
  };
}

/**
 * Applies pending migration files to one database, under one advisory lock per domain.
 * Every error message is scrubbed of the URL's password.
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  try {
    const domain = options.domain ?? DEFAULT_DOMAIN;
    if (!/^[a-z][a-z0-9_]*$/.test(domain)) throw migrationError(`--domain ${JSON.stringify(domain)}: use lower-case letters, digits and underscores, e.g. cleandata.`);
    const files = readMigrationDir(options.dir);
    const { parse } = require("pg-connection-string") as typeof import("pg-connection-string");
    refuseLabelStudioUrl(parse(options.databaseUrl).database);
    const database = describeTarget(options.databaseUrl);
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    return await withClient(options.databaseUrl, { connectTimeoutMs }, async (client) => {
      await refuseLabelStudioDatabase(client);
      const lock = { timeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS, onWait: (holder: string) => options.log?.(`${domain}: waiting for the migration lock held by ${holder}`) };
      const body = await withAdvisoryLock(client, domain, lock, async () => {
        if (!options.dryRun) return migrateLocked(client, files, options, domain);
        await client.query("BEGIN");
        // Stryker disable next-line ArrowFunction,StringLiteral: withClient ends the session right after, which rolls the dry run back as well; the ROLLBACK only ends it before the lock is released.
        return await migrateLocked(client, files, options, domain).finally(() => client.query("ROLLBACK").catch(() => {}));
      });
      return { database, ...body };
    });
  } catch (err) {
    // Stryker disable next-line ConditionalExpression: pg and this code throw only Errors, so the check never fails.
    if (err instanceof Error) {
      err.message = scrubSecrets(err.message, options.databaseUrl);
      // V8 builds the stack text when it is first read, here, after the message was scrubbed, so it is clean already unless
      // something read it earlier; nothing on these paths does, and this holds if something ever does.
      // Stryker disable next-line AssignmentOperator: see above; `||=` leaves the same, already clean, text.
      err.stack &&= scrubSecrets(err.stack, options.databaseUrl);
    }
    throw err;
  }
}
