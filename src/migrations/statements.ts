import { migrationError } from "./errors";

export interface Statement {
  /** The statement's text from its first token, without the terminating semicolon. */
  sql: string;
  /** 1-based line of the statement's first token in its file. */
  line: number;
  /** False for a last statement without its semicolon. */
  terminated: boolean;
}

/** Offset of the first character that is neither whitespace nor inside a comment. */
function firstTokenOffset(sql: string): number {
  let i = 0;
  for (;;) {
    while (i < sql.length && /\s/.test(sql[i]!)) i++;
    if (sql.startsWith("--", i)) {
      const end = sql.indexOf("\n", i);
      i = end === -1 ? sql.length : end + 1;
    } else if (sql.startsWith("/*", i)) {
      const end = sql.indexOf("*/", i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else {
      return i;
    }
  }
}

/** 1-based line number of the position right after `prefix`. */
export function lineAfter(prefix: string): number {
  return prefix.split("\n").length;
}

/**
 * The file's one statement when that is certain without parsing it, else undefined (then ask
 * splitStatements). Statements are separated by semicolons, so text whose only `;` is its last
 * character holds at most one, whatever quotes, comments or dollar quotes it contains. Block
 * comments (which nest) and comment-only text are left to the parser. Saves loading the parser
 * (~70 ms of WebAssembly) for the usual no-transaction file: one CREATE INDEX CONCURRENTLY.
 */
export function soleStatement(content: string): Statement | undefined {
  const text = content.trimEnd();
  const semicolon = text.indexOf(";");
  if ((semicolon !== -1 && semicolon !== text.length - 1) || text.includes("/*")) return undefined;
  const body = semicolon === -1 ? text : text.slice(0, -1);
  const start = firstTokenOffset(body);
  if (start === body.length) return undefined;
  return { sql: body.slice(start), line: lineAfter(body.slice(0, start)), terminated: semicolon !== -1 };
}

/**
 * Splits a file into statements with Postgres' own parser (libpg-query), so dollar quotes,
 * comments and strings are handled exactly as the server would. A syntax error is reported
 * with its file and line before anything touches the database.
 */
export async function splitStatements(fileName: string, content: string): Promise<Statement[]> {
  const pgQuery = require("libpg-query") as typeof import("libpg-query");
  await pgQuery.loadModule();
  let parsed: ReturnType<typeof pgQuery.parseSync>;
  try {
    parsed = pgQuery.parseSync(content);
  } catch (err) {
    const details = pgQuery.hasSqlDetails(err) ? err.sqlDetails : undefined;
    // cursorPosition is a byte offset into the UTF-8 text.
    const line = details ? lineAfter(Buffer.from(content, "utf8").subarray(0, details.cursorPosition).toString("utf8")) : undefined;
    throw migrationError(`${fileName}${line ? `:${line}` : ""}: ${(err as Error).message}. Fix the SQL; nothing was run.`);
  }
  // Statement locations are byte offsets; slice the bytes, then decode.
  const bytes = Buffer.from(content, "utf8");
  return (parsed.stmts ?? []).map((s) => {
    const start = s.stmt_location ?? 0;
    const end = s.stmt_len ? start + s.stmt_len : bytes.length;
    const raw = bytes.subarray(start, end).toString("utf8");
    const skip = firstTokenOffset(raw);
    const prefix = bytes.subarray(0, start).toString("utf8") + raw.slice(0, skip);
    // The parser leaves stmt_len unset on a last statement that runs to the end of the text.
    return { sql: raw.slice(skip), line: lineAfter(prefix), terminated: Boolean(s.stmt_len) };
  });
}
