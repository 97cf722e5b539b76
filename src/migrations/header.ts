import { migrationError } from "./errors";

export interface FileDirectives {
  /** False when the file opts out of the per-file transaction (for CREATE INDEX CONCURRENTLY). */
  transaction: boolean;
}

const DIRECTIVE = /^--\s*oceanid:(\S+)\s*$/;
const KNOWN = ["no-transaction"];

/**
 * Directives are `-- oceanid:<name>` comment lines in the header, i.e. before the first line
 * that is neither blank nor a comment. An unknown directive is an error so a typo cannot
 * silently run a file inside a transaction it meant to avoid (or the other way round).
 */
export function parseDirectives(fileName: string, content: string): FileDirectives {
  const directives = new Set<string>();
  for (const raw of content.replace(/^\uFEFF/, "").split(/\r\n?|\n/)) {
    const line = raw.trim();
    if (line === "") continue;
    if (!line.startsWith("--")) break;
    const match = DIRECTIVE.exec(line);
    if (!match) continue;
    if (!KNOWN.includes(match[1]!)) {
      throw migrationError(`${fileName}: unknown directive "${line}". The only directive is "-- oceanid:no-transaction".`);
    }
    directives.add(match[1]!);
  }
  return { transaction: !directives.has("no-transaction") };
}
