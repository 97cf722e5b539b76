import { parseUrl } from "../postgresUrl";
import { redactSecrets, urlPasswords } from "../redact";

/** `host:port/database` of a connection URL: safe to print, store and diff (no user, no password). */
export function describeTarget(databaseUrl: string): string {
  try {
    const { host, port, database } = parseUrl(databaseUrl);
    return `${host}:${port}/${database}`;
  } catch {
    // Never a piece of a URL we could not parse: it may be part of the password.
    return "<the database URL>";
  }
}

/** Removes the URL's password (each form of it) and the URL's user info from any text we print. */
export function scrubSecrets(text: string, databaseUrl: string | undefined): string {
  return databaseUrl ? redactSecrets(text, urlPasswords(databaseUrl)) : text;
}
