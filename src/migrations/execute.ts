import type { Client } from "pg";
import { migrationError, type MigrationError } from "./errors";
import { lineAfter, type Statement } from "./statements";

interface PgError {
  message: string;
  code?: string;
  position?: string;
  detail?: string;
  hint?: string;
}

/** Names the file, the line (from Postgres' error position when it gives one) and Postgres' message. */
export function statementError(fileName: string, statement: Statement, err: unknown, consequence: string): MigrationError {
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
