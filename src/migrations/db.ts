import type { Client } from "pg";
import { connectPostgres, type ConnectionFailure } from "../postgresConnection";
import { isMigrationError, migrationError, type MigrationError } from "./errors";
import { describeTarget } from "./redact";

export interface ConnectOptions {
  /** How long to wait for the server before blaming the network path (allow-list, runner). */
  connectTimeoutMs: number;
}

const CERTIFICATE_CODES = [
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_SIGNATURE_FAILURE",
  "CERT_NOT_YET_VALID",
  "CERT_HAS_EXPIRED",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "INVALID_CA",
];

const NETWORK_FAILURES: Record<string, string> = {
  ECONNREFUSED: "refused the TCP connection: nothing listens on that port, or a firewall rejects it",
  ENOTFOUND: "has a host name that does not resolve",
  EAI_AGAIN: "has a host name that could not be resolved (DNS did not answer)",
  EHOSTUNREACH: "is unreachable from this machine (no route to the host)",
  ENETUNREACH: "is unreachable from this machine (no route to the network)",
  ECONNRESET: "closed the connection before Postgres answered",
  EPIPE: "closed the connection before Postgres answered",
};

const ALLOW_LIST_ADVICE =
  "The cleandata database only accepts allow-listed IPs: run migrations from the self-hosted runner (workflow database-migrations.yml), " +
  "or allow this machine's IP with `oceanid firewall --network <network id> --allow <this machine's IP>` (API key in CRUNCHY_BRIDGE_API_KEY).";

/** Turns a connection failure into advice; never includes the URL or password. */
export function connectionError(databaseUrl: string, err: unknown, timeoutMs: number): MigrationError {
  if (isMigrationError(err)) return err;
  const target = describeTarget(databaseUrl);
  const e = err as Partial<ConnectionFailure> & { reason?: string };
  const message = e.message ?? String(err);
  const mode = e.sslmode ? `sslmode=${e.sslmode}` : "the sslmode";
  if (e.code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return migrationError(
      `The TLS certificate of Postgres at ${target} does not name that host (${e.reason ?? message}); ${mode} checks the host name. ` +
        `Use the host name the certificate was issued for, or sslmode=verify-ca to check only that the certificate comes from your CA.`,
    );
  }
  if (e.code !== undefined && CERTIFICATE_CODES.includes(e.code)) {
    return migrationError(
      `The TLS certificate of Postgres at ${target} is not trusted (${e.code}): ${mode} checks it against ${e.rootCert ?? "the root certificate file"}, which did not issue it. ` +
        `Point sslrootcert at the CA certificate of this server (CrunchyBridge: the cluster's CA), or use sslmode=require to encrypt without checking the certificate.`,
    );
  }
  if (/does not support SSL/i.test(message)) {
    return migrationError(`Postgres at ${target} does not offer TLS, and ${mode} requires it. Connect to a server with TLS enabled, or use sslmode=prefer or disable for a local test server.`);
  }
  if (e.code !== undefined && e.code in NETWORK_FAILURES) {
    return migrationError(`Cannot reach Postgres at ${target}: it ${NETWORK_FAILURES[e.code]} (${e.code}). ${ALLOW_LIST_ADVICE}`);
  }
  if (e.code === "ETIMEDOUT" || /timeout/i.test(message)) {
    return migrationError(`Cannot reach Postgres at ${target}: no answer within ${timeoutMs / 1000}s. ${ALLOW_LIST_ADVICE}`);
  }
  if (/terminated unexpectedly/i.test(message)) {
    return migrationError(`Cannot reach Postgres at ${target}: the connection was closed before Postgres answered. ${ALLOW_LIST_ADVICE}`);
  }
  const advice: Record<string, string> = {
    "28P01": "Check the user name and password in the URL.",
    "3D000": "Check the database name in the URL.",
    "28000": e.tls === false ? "The server's access rules refuse this connection without TLS: use sslmode=require or stronger." : "The server's access rules (pg_hba.conf) refuse this user, database or address.",
  };
  return migrationError(
    `Postgres at ${target} refused the connection: ${message}${e.code ? ` (SQLSTATE ${e.code})` : ""}. ${advice[e.code ?? ""] ?? "Check the user, password and database name in the URL."}`,
  );
}

/** Opens one direct connection (advisory locks are per session), runs `fn`, always closes it. */
export async function withClient<T>(databaseUrl: string, options: ConnectOptions, fn: (client: Client) => Promise<T>): Promise<T> {
  let client: Client;
  try {
    client = await connectPostgres(databaseUrl, { connectTimeoutMs: options.connectTimeoutMs, applicationName: "oceanid-migrate" });
  } catch (err) {
    throw connectionError(databaseUrl, err, options.connectTimeoutMs);
  }
  try {
    return await fn(client).catch((err: unknown) => {
      throw privilegeError(err, client.user ?? "");
    });
  } finally {
    endWithoutWaiting(client);
  }
}

/**
 * Sends Terminate and lets the socket go, without waiting for the server to close it: its
 * backend's exit takes a few ms (2.5-4.5 ms of a no-op migrate's ~130 measured), and nothing of ours follows.
 * The write and shutdown still in flight keep the process alive until they are done (libuv
 * waits for active requests on an unreferenced handle), so the server always gets Terminate.
 * `connection.stream` is pg's socket (pg 8, pinned; tests/migrations/db.test.ts fails if
 * it moves): pg has no public way to end without waiting.
 */
function endWithoutWaiting(client: Client): void {
  client.end().catch(() => {});
  (client as unknown as { connection: { stream: { unref(): void } } }).connection.stream.unref();
}

/**
 * A server error for a missing privilege (SQLSTATE 42501) on our own objects becomes advice
 * naming the role; errors inside a migration file already name the file and pass unchanged.
 */
function privilegeError(err: unknown, role: string): unknown {
  const e = err as { code?: string; message?: string };
  if (isMigrationError(err) || e.code !== "42501") return err;
  return migrationError(
    `Role "${role}" lacks a privilege the migration runner needs: ${e.message} (SQLSTATE 42501). ` +
      `Run migrations as the role that owns the cleandata schemas and control.schema_versions (the one that created them), ` +
      `or have that role grant what is missing, e.g. GRANT USAGE, CREATE ON SCHEMA control TO "${role}"; GRANT SELECT, INSERT, UPDATE ON control.schema_versions TO "${role}".`,
  );
}

export async function withTransaction<T>(client: Client, fn: () => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    const result = await fn();
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  }
}

/** One advisory lock key per migration domain (a signed 64-bit integer derived from its name). */
export function lockKey(domain: string): string {
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  return createHash("sha256").update(`oceanid-migrations:${domain}`).digest().readBigInt64BE(0).toString();
}

export interface LockOptions {
  timeoutMs: number;
  pollMs?: number;
  /** Called once when the lock is busy and we start waiting. */
  onWait?: (holder: string) => void;
}

/**
 * Who holds the lock, as far as this role may see: pg_stat_activity hides the address, start
 * time and application of other roles' sessions unless we are a superuser or in pg_read_all_stats.
 */
async function describeHolder(client: Client, key: string): Promise<string> {
  const { rows } = await client.query<{ pid: number; usename: string | null; application_name: string | null; client_addr: string | null; backend_start: Date | null }>(
    `SELECT a.pid, a.usename, a.application_name, host(a.client_addr) AS client_addr, a.backend_start
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted
        AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint`,
    [key],
  );
  const h = rows[0];
  if (!h) return "another session";
  const details = [
    h.application_name || undefined,
    h.usename ? `role ${h.usename}` : undefined,
    h.client_addr ? `from ${h.client_addr}` : undefined,
    h.backend_start ? `connected ${h.backend_start.toISOString()}` : undefined,
  ].filter((d) => d !== undefined);
  return `pid ${h.pid}${details.length ? ` (${details.join(", ")})` : ""}`;
}

/**
 * Session-level advisory lock taken by polling pg_try_advisory_lock, so the wait is bounded and
 * the error says who holds it. Released in `finally`, also when `fn` fails.
 */
export async function withAdvisoryLock<T>(client: Client, domain: string, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const key = lockKey(domain);
  const deadline = Date.now() + options.timeoutMs;
  let waiting = false;
  let held: boolean;
  for (;;) {
    // The attempt and whether this very session now holds the lock, in one round trip: through
    // a transaction-mode pooler the lock lands on some other server session and protects nothing.
    // OFFSET 0 keeps the attempt a subquery of its own, and the correlated EXISTS reads pg_locks
    // only for the row the attempt produced, so after it.
    const { rows } = await client.query<{ locked: boolean; held: boolean }>(
      `SELECT locked, EXISTS (SELECT 1 FROM pg_locks WHERE attempt.locked AND locktype = 'advisory' AND granted AND pid = pg_backend_pid()
                                AND ((classid::bigint << 32) | objid::bigint) = $1::bigint) AS held
         FROM (SELECT pg_try_advisory_lock($1::bigint) AS locked OFFSET 0) AS attempt`,
      [key],
    );
    if (rows[0]!.locked) {
      held = rows[0]!.held;
      break;
    }
    const holder = await describeHolder(client, key);
    if (!waiting) options.onWait?.(holder);
    waiting = true;
    if (Date.now() >= deadline) {
      throw migrationError(
        `Another migration run holds the "${domain}" lock (${holder}); gave up after ${options.timeoutMs / 1000}s. Wait for it to finish, or raise --lock-timeout.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.pollMs ?? 250, Math.max(0, deadline - Date.now()))));
  }
  try {
    if (!held) {
      throw migrationError("The advisory lock is not held by this session: the URL goes through a transaction-mode pooler. Use the direct Postgres port (5432), not the pooler.");
    }
    return await fn();
  } finally {
    await client.query("SELECT pg_advisory_unlock($1::bigint)", [key]).catch(() => {});
  }
}
