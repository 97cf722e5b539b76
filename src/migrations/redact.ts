/** `host:port/database` of a connection URL: safe to print, store and diff (no user, no password). */
export function describeTarget(databaseUrl: string): string {
  const { parse } = require("pg-connection-string") as typeof import("pg-connection-string");
  const c = parse(databaseUrl);
  return `${c.host ?? "localhost"}:${c.port ?? 5432}/${c.database ?? ""}`;
}

/** Removes the URL's password (raw and percent-encoded) and the URL itself from any text we print. */
export function scrubSecrets(text: string, databaseUrl: string | undefined): string {
  if (!databaseUrl) return text;
  let out = text.split(databaseUrl).join(safeUrl(databaseUrl));
  let password: string | undefined;
  try {
    password = decodeURIComponent(new URL(databaseUrl).password);
  } catch {
    return out;
  }
  for (const form of new Set([password, encodeURIComponent(password)])) {
    if (form.length > 0) out = out.split(form).join("***");
  }
  return out;
}

function safeUrl(databaseUrl: string): string {
  try {
    const u = new URL(databaseUrl);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "<database url>";
  }
}
