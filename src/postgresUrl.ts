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

export const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** The libpq parameters a URL may carry here; any other is refused rather than silently ignored. */
const URL_PARAMETERS = ["sslmode", "sslrootcert", "sslcert", "sslkey", "application_name"] as const;
type UrlParameter = (typeof URL_PARAMETERS)[number];

/** A URL's parts and libpq parameters as written (sslmode absent, database "" when the URL gives none). */
export interface PostgresUrl extends Omit<PostgresUrlParts, "sslmode"> {
  params: Partial<Record<UrlParameter, string>>;
}

const missingParts = (parts: string[]) => new Error(`is missing its ${parts.join(", ")} (expected postgresql://USER:PASSWORD@HOST:5432/DATABASE)`);

const ENCODE_ADVICE = "percent-encode special characters in the user name and password (% → %25, @ → %40, / → %2F, : → %3A, ? → %3F, # → %23)";

/**
 * Parses a Postgres URL strictly, so a password with an unencoded `@`, `/`, `%`, `?` or `#` fails
 * here with advice instead of turning into a host or database name made of pieces of the
 * password. Error messages never quote the URL or any part of it.
 */
export function parseUrl(url: string): PostgresUrl {
  const scheme = /^postgres(ql)?:\/\//.exec(url);
  if (!scheme) {
    throw new Error("must be a postgres:// or postgresql:// URL (postgresql://USER:PASSWORD@HOST:5432/DATABASE?sslmode=require)");
  }
  // One "@", ending the user info: before any "/" or "?" (where the host's path and query begin).
  const rest = url.slice(scheme[0].length);
  const authority = rest.split(/[/?]/, 1)[0]!;
  const misplacedAt = rest.split("@").length > 2 || rest.slice(authority.length).includes("@");
  if (/%(?![0-9a-fA-F]{2})/.test(url) || url.includes("#") || misplacedAt) {
    throw new Error(`is not a well-formed URL: ${ENCODE_ADVICE}`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`is not a parseable URL: check the host and the port (1-65535), and ${ENCODE_ADVICE}`);
  }
  const decode = (text: string) => decodeURIComponent(text);
  const parts = {
    // An IPv6 host comes bracketed ("[::1]"); libpq and the Postgres clients take it bare.
    host: parsed.hostname.startsWith("[") ? parsed.hostname.slice(1, -1) : parsed.hostname,
    database: decode(parsed.pathname.slice(1)),
    user: decode(parsed.username),
    password: decode(parsed.password),
  };
  const missing = (["host", "user", "password"] as const).filter((k) => !parts[k]);
  if (missing.length > 0) throw missingParts(missing);
  if (parts.database.includes("/")) throw new Error(`has a "/" in its database name: ${ENCODE_ADVICE}`);
  const port = parsed.port ? Number(parsed.port) : 5432;
  // URL parsing already refused a port that is not digits or is above 65535.
  if (port < 1) throw new Error("has an invalid port");
  const params: PostgresUrl["params"] = {};
  for (const [key, value] of parsed.searchParams) {
    if (!(URL_PARAMETERS as readonly string[]).includes(key)) {
      throw new Error(`has the parameter "${key}", which is not supported here; use only ${URL_PARAMETERS.join(", ")}`);
    }
    params[key as UrlParameter] = value;
  }
  if (params.sslmode !== undefined && !(SSL_MODES as readonly string[]).includes(params.sslmode)) {
    throw new Error(`has sslmode=${params.sslmode}; use one of ${SSL_MODES.join(", ")}`);
  }
  return { ...parts, port, params };
}

/** The stack's view of a URL: its parts, with `require` where the URL gives no sslmode. */
export function parsePostgresUrl(url: string): PostgresUrlParts {
  const { params, ...parts } = parseUrl(url);
  if (!parts.database) throw missingParts(["database"]);
  return { ...parts, sslmode: params.sslmode ?? "require" };
}

/** Builds a URL from parts, percent-encoding the credentials so `parsePostgresUrl` round-trips. */
export function formatPostgresUrl(parts: PostgresUrlParts): string {
  const auth = `${encodeURIComponent(parts.user)}:${encodeURIComponent(parts.password)}`;
  return `postgresql://${auth}@${parts.host}:${parts.port}/${encodeURIComponent(parts.database)}?sslmode=${parts.sslmode}`;
}
