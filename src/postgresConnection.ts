import type { Client, ClientConfig } from "pg";
import type { ConnectionOptions } from "node:tls";
import { migrationError } from "./migrations/errors";
import { parseUrl, type SslMode } from "./postgresUrl";

/**
 * Every connection this project makes (migrate, --verify, the migrations provider, the tests)
 * is built here, with libpq's meaning of `sslmode`, so a URL means to us what it means to psql,
 * dbmate and Label Studio:
 *
 * | sslmode     | TLS                     | server certificate                             |
 * |-------------|-------------------------|------------------------------------------------|
 * | disable     | never                   | -                                              |
 * | allow       | plain first, TLS if the server rejects it | not checked                  |
 * | prefer      | TLS first, plain if the server lacks TLS or rejects it | not checked     |
 * | require     | always                  | not checked; checked against the root CA file as verify-ca when one exists |
 * | verify-ca   | always                  | signed by the root CA file                     |
 * | verify-full | always                  | signed by the root CA file, and names the host |
 *
 * The root CA file is `sslrootcert` (URL, then PGSSLROOTCERT), default ~/.postgresql/root.crt;
 * `sslrootcert=system` trusts Node's CA store and, as in libpq, only with verify-full. Without
 * sslmode in the URL, PGSSLMODE applies, then libpq's default, prefer.
 *
 * node-postgres gets explicit fields and `ssl` options, never the URL: its own URL parser gives
 * sslmode=require verify-full semantics and prints a security warning.
 */

export interface ConnectionPlan {
  sslmode: SslMode;
  /** Where the server's certificate is checked against, for messages: a file path or "the system's CAs". */
  rootCert?: string;
  /** Driver settings without `ssl`. */
  config: ClientConfig;
  /** The `ssl` setting of each attempt, in order: `false` is a plain connection. */
  attempts: Array<false | ConnectionOptions>;
}

export interface PlanEnvironment {
  env: NodeJS.ProcessEnv;
  homeDir: string;
}

function defaultEnvironment(): PlanEnvironment {
  const os = require("node:os") as typeof import("node:os");
  return { env: process.env, homeDir: os.homedir() };
}

function readPem(file: string, what: string): string {
  const fs = require("node:fs") as typeof import("node:fs");
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    throw migrationError(`Cannot read the ${what} "${file}" (${(err as { code?: string }).code ?? String(err)}).`);
  }
}

/** Maps a URL onto the driver: which attempts to make and with which TLS settings. */
export function connectionPlan(url: string, environment: PlanEnvironment = defaultEnvironment()): ConnectionPlan {
  const fs = require("node:fs") as typeof import("node:fs");
  const path = require("node:path") as typeof import("node:path");
  let parsed: ReturnType<typeof parseUrl>;
  try {
    parsed = parseUrl(url);
  } catch (err) {
    throw migrationError(`The database URL ${(err as Error).message}.`);
  }
  const { params } = parsed;
  const { env } = environment;
  const rootCertSetting = params.sslrootcert ?? env.PGSSLROOTCERT;
  const system = rootCertSetting === "system";
  const sslmode = (params.sslmode ?? env.PGSSLMODE ?? (system ? "verify-full" : "prefer")) as SslMode;
  if (system && sslmode !== "verify-full") {
    throw migrationError(`sslmode=${sslmode} may not be used with sslrootcert=system: with public CAs only verify-full proves who the server is (use sslmode=verify-full).`);
  }
  const rootCertFile = system ? undefined : (rootCertSetting ?? path.join(environment.homeDir, ".postgresql", "root.crt"));
  const rootCertExists = rootCertFile !== undefined && fs.existsSync(rootCertFile);

  const client: ConnectionOptions = {};
  const sslcert = params.sslcert ?? env.PGSSLCERT;
  const sslkey = params.sslkey ?? env.PGSSLKEY;
  if (sslcert) client.cert = readPem(sslcert, "client certificate (sslcert)");
  if (sslkey) client.key = readPem(sslkey, "client key (sslkey)");

  const unverified: ConnectionOptions = { ...client, rejectUnauthorized: false };
  const verified = (checkHost: boolean): ConnectionOptions => {
    if (!system && !rootCertExists) {
      throw migrationError(
        `sslmode=${sslmode} checks the server's certificate, but the root certificate file "${rootCertFile}" does not exist. ` +
          `Put the CA certificate of the server (CrunchyBridge: the cluster's CA) in a file and add sslrootcert=<file> to the URL, ` +
          `use sslrootcert=system with sslmode=verify-full for a server whose certificate comes from a public CA, or use sslmode=require to encrypt without checking.`,
      );
    }
    return {
      ...client,
      ...(system ? {} : { ca: readPem(rootCertFile!, "root certificate file (sslrootcert)") }),
      // verify-ca: the chain must verify, whatever name the certificate gives.
      ...(checkHost ? {} : { checkServerIdentity: () => undefined }),
    };
  };

  const attempts: ConnectionPlan["attempts"] = {
    disable: () => [false as const],
    allow: () => [false as const, unverified],
    prefer: () => [unverified, false as const],
    // libpq: "if a root CA file exists, sslmode=require behaves like verify-ca".
    require: () => [rootCertExists ? verified(false) : unverified],
    "verify-ca": () => [verified(false)],
    "verify-full": () => [verified(true)],
  }[sslmode]();
  const checked = sslmode === "verify-ca" || sslmode === "verify-full" || (sslmode === "require" && rootCertExists);

  return {
    sslmode,
    rootCert: checked ? (system ? "the system's CAs" : rootCertFile) : undefined,
    config: {
      host: parsed.host,
      port: parsed.port,
      // libpq: without a database in the URL, PGDATABASE, then the user name.
      database: parsed.database || env.PGDATABASE || parsed.user,
      user: parsed.user,
      password: parsed.password,
      ...(params.application_name ? { application_name: params.application_name } : {}),
    },
    attempts,
  };
}

/** An error of a connection attempt, with what was tried: TLS or not, under which sslmode. */
export type ConnectionFailure = Error & { code?: string; sslmode: SslMode; tls: boolean; rootCert?: string };

// The server answered (with an error or without TLS), so libpq's allow/prefer try the other way.
function serverAnswered(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  const network = ["ECONNREFUSED", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"];
  return !(e.code !== undefined && network.includes(e.code)) && !/timeout/i.test(e.message ?? "");
}

export interface ConnectOptions {
  connectTimeoutMs?: number;
  /** Used unless the URL sets application_name. */
  applicationName?: string;
}

/**
 * Connects as `url` says (see the table above): one attempt, or two for allow/prefer. A failure
 * is the last attempt's error, marked with `sslmode`, `tls` and `rootCert` for the message.
 */
export async function connectPostgres(url: string, options: ConnectOptions = {}): Promise<Client> {
  const plan = connectionPlan(url);
  const pg = require("pg") as typeof import("pg");
  let lastError: unknown;
  let lastTls = false;
  for (const ssl of plan.attempts) {
    lastTls = ssl !== false;
    const client = new pg.Client({
      ...(options.applicationName ? { application_name: options.applicationName } : {}),
      ...plan.config,
      ssl,
      ...(options.connectTimeoutMs ? { connectionTimeoutMillis: options.connectTimeoutMs } : {}),
    });
    // A dropped connection emits 'error' on the client; the failing query reports it, so don't crash.
    client.on("error", () => {});
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.end().catch(() => {});
      lastError = err;
      if (!serverAnswered(err)) break;
    }
  }
  const failure = (lastError instanceof Error ? lastError : new Error(String(lastError))) as ConnectionFailure;
  failure.sslmode = plan.sslmode;
  failure.tls = lastTls;
  failure.rootCert = plan.rootCert;
  throw failure;
}
