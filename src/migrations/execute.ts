import type { Client } from "pg";
import { migrationError, type MigrationError } from "./errors";
import { lineAfter, splitStatements, type Statement } from "./statements";

interface PgError {
  message: string;
  code?: string;
  position?: string;
  detail?: string;
  hint?: string;
}

type Located = Pick<Statement, "sql" | "line">;

/** Names the file, the line (from Postgres' error position when it gives one) and Postgres' message. */
export function statementError(fileName: string, statement: Located, err: unknown, consequence: string): MigrationError {
  const e = err as PgError;
  const offset = e.position ? Number(e.position) - 1 : 0;
  const line = statement.line + lineAfter(statement.sql.slice(0, offset)) - 1;
  const extra = [e.detail && `Detail: ${e.detail}`, e.hint && `Hint: ${e.hint}`].filter(Boolean).join(" ");
  return migrationError(`${fileName}:${line}: ${e.message}${e.code ? ` (SQLSTATE ${e.code})` : ""}.${extra ? ` ${extra}` : ""} ${consequence}`);
}

/** Runs statements one by one on `client`, so a failure points at its own line. */
export async function runStatements(client: Client, fileName: string, statements: readonly Statement[], consequence: string): Promise<void> {
  for (const statement of statements) {
    try {
      await client.query(statement.sql);
    } catch (err) {
      throw statementError(fileName, statement, err, consequence);
    }
  }
}

/**
 * A dry run's file: the whole file as one query inside the caller's open transaction, which also
 * holds the files before it, behind a savepoint. Only when it fails is the file parsed: errors
 * without a position (constraint violations, errors raised in DO blocks) are pinned to a line by
 * replaying its statements one by one from the savepoint, and that replay is undone too.
 */
export async function runFileInSavepoint(client: Client, fileName: string, content: string, consequence: string): Promise<void> {
  const restore = "ROLLBACK TO SAVEPOINT oceanid_file";
  await client.query("SAVEPOINT oceanid_file");
  try {
    await client.query(content);
  } catch (err) {
    await client.query(restore);
    throw await locateFailure(client, fileName, content, err, consequence, restore);
  }
  await client.query("RELEASE SAVEPOINT oceanid_file");
}

/**
 * The error for a file that failed from the state before it (`restore` undoes what a replay did):
 * Postgres' position when it gives one, else the statement that fails when replayed one by one.
 */
async function locateFailure(client: Client, fileName: string, content: string, err: unknown, consequence: string, restore: string): Promise<Error> {
  if ((err as PgError).position) return statementError(fileName, { sql: content, line: 1 }, err, consequence);
  try {
    await runStatements(client, fileName, await splitStatements(fileName, content), consequence);
  } catch (located) {
    return located as Error;
  } finally {
    await client.query(restore);
  }
  return migrationError(`${fileName}: ${(err as PgError).message} (the line could not be found: each statement succeeds when replayed alone). ${consequence}`);
}

/**
 * Applies a file and the statement recording it (`row`) in one transaction and one round trip:
 * `BEGIN;<file>;<row>;COMMIT` as one simple query, where the usual BEGIN, file, row, COMMIT take
 * four. The server parses the whole text before running any of it, so a syntax error runs
 * nothing; a failure while it runs leaves the transaction aborted, and it is rolled back. Then the
 * error is located as for a dry run's file, from a new transaction that is rolled back (Postgres'
 * position counts from "BEGIN;", which sits on the file's first line). `translate` may turn an
 * error of the row itself into the operator's message.
 */
export async function applyFileWithRow(
  client: Client,
  fileName: string,
  content: string,
  row: string,
  consequence: string,
  translate: (err: unknown) => Error | undefined,
): Promise<void> {
  const prefix = "BEGIN;";
  try {
    await client.query(`${prefix}${content}\n;${row};COMMIT`);
  } catch (err) {
    await client.query("ROLLBACK");
    const translated = translate(err);
    if (translated) throw translated;
    const e = err as PgError;
    if (e.position) throw statementError(fileName, { sql: content, line: 1 }, { ...e, message: e.message, position: String(Number(e.position) - prefix.length) }, consequence);
    await client.query("BEGIN");
    throw await locateFailure(client, fileName, content, err, consequence, "ROLLBACK");
  }
}
