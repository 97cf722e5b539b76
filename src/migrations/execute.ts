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
 * Runs a whole file as one query inside the caller's open transaction: one round trip, as dbmate
 * or `psql -1` would. Only when it fails is the file parsed: errors without a position (constraint
 * violations, errors raised in DO blocks) are pinned to a line by replaying its statements one by
 * one from the state before the file, and that replay is undone too.
 *
 * Getting back to the state before the file: when the transaction is the file's own, by rolling
 * it back and beginning again (the caller then rolls back the replay with the error); when it
 * also holds earlier files (`nested`, a dry run), by a savepoint taken before the file. Only the
 * nested case pays for the savepoint's two round trips on every file.
 */
export async function runFileInTransaction(client: Client, fileName: string, content: string, consequence: string, options: { nested: boolean }): Promise<void> {
  const restore = options.nested ? "ROLLBACK TO SAVEPOINT oceanid_file" : "ROLLBACK; BEGIN";
  if (options.nested) await client.query("SAVEPOINT oceanid_file");
  try {
    await client.query(content);
  } catch (err) {
    await client.query(restore);
    if ((err as PgError).position) throw statementError(fileName, { sql: content, line: 1 }, err, consequence);
    try {
      await runStatements(client, fileName, await splitStatements(fileName, content), consequence);
    } finally {
      await client.query(restore);
    }
    throw migrationError(`${fileName}: ${(err as PgError).message} (the line could not be found: each statement succeeds when replayed alone). ${consequence}`);
  }
  if (options.nested) await client.query("RELEASE SAVEPOINT oceanid_file");
}
