import { parse } from "pg-connection-string";

/** The parts of a Postgres URL the stack needs; `password` is plaintext and must stay inside secrets. */
export interface PostgresUrlParts {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** libpq sslmode from the URL's query, `require` when the URL gives none. */
  sslmode: string;
}

const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;

/**
 * Parses a Postgres URL with the same parser `pg` uses, so percent-encoded user names and
 * passwords decode exactly as the driver will decode them. Error messages never quote the URL,
 * which carries the password.
 */
export function parsePostgresUrl(url: string): PostgresUrlParts {
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new Error("must be a postgres:// or postgresql:// URL (postgresql://USER:PASSWORD@HOST:5432/DATABASE?sslmode=require)");
  }
  let parsed: ReturnType<typeof parse>;
  try {
    // libpq semantics for sslmode: the URL means what it means to Label Studio's libpq.
    parsed = parse(url, { useLibpqCompat: true });
  } catch {
    throw new Error("is not a parseable URL: check the port (1-65535) and percent-encode special characters in the user name and password (@ → %40, / → %2F, % → %25, : → %3A)");
  }
  const missing = (["host", "database", "user", "password"] as const).filter((k) => !parsed[k]);
  if (missing.length > 0) {
    throw new Error(`is missing its ${missing.join(", ")} (expected postgresql://USER:PASSWORD@HOST:5432/DATABASE)`);
  }
  const port = parsed.port ? Number(parsed.port) : 5432;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error("has an invalid port");
  const sslmode = (parsed as { sslmode?: string }).sslmode ?? "require";
  if (!(SSL_MODES as readonly string[]).includes(sslmode)) {
    throw new Error(`has sslmode=${sslmode}; use one of ${SSL_MODES.join(", ")}`);
  }
  return { host: parsed.host!, port, database: parsed.database!, user: parsed.user!, password: parsed.password!, sslmode };
}

/** Builds a URL from parts, percent-encoding the credentials so `parsePostgresUrl` round-trips. */
export function formatPostgresUrl(parts: PostgresUrlParts): string {
  const auth = `${encodeURIComponent(parts.user)}:${encodeURIComponent(parts.password)}`;
  return `postgresql://${auth}@${parts.host}:${parts.port}/${encodeURIComponent(parts.database)}?sslmode=${parts.sslmode}`;
}
