import type { Client } from "pg";
import { migrationError, type MigrationError } from "./errors";
import { describeTarget } from "./redact";

export interface ConnectOptions {
  /** How long to wait for the server before blaming the network path (allow-list, runner). */
  connectTimeoutMs: number;
}

// Errors that mean "no route to a listening Postgres", as opposed to Postgres answering no.
const NETWORK_CODES = ["ECONNREFUSED", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ECONNRESET", "EPIPE"];

function isNetworkFailure(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (e.code !== undefined && NETWORK_CODES.includes(e.code)) || /timeout|terminated unexpectedly|Connection terminated/i.test(e.message ?? "");
}

/** Turns a connection failure into advice; never includes the URL or password. */
export function connectionError(databaseUrl: string, err: unknown, timeoutMs: number): MigrationError {
  const target = describeTarget(databaseUrl);
  const e = err as { code?: string; message?: string };
  if (isNetworkFailure(err)) {
    return migrationError(
      `Cannot reach Postgres at ${target} within ${timeoutMs / 1000}s (${e.code ?? "no answer"}). ` +
        `The cleandata database only accepts allow-listed IPs: run migrations from the self-hosted runner ` +
        `(workflow database-migrations.yml), or add this machine's IP to the CrunchyBridge firewall ` +
        `(cb network add-firewall-rule; see "CrunchyBridge Firewall Management" in docs).`,
    );
  }
  return migrationError(`Postgres at ${target} refused the connection: ${e.message ?? String(err)}${e.code ? ` (SQLSTATE ${e.code})` : ""}. Check the user, password and database name in the URL.`);
}

/** Opens one direct connection (advisory locks are per session), runs `fn`, always closes it. */
export async function withClient<T>(databaseUrl: string, options: ConnectOptions, fn: (client: Client) => Promise<T>): Promise<T> {
  const pg = require("pg") as typeof import("pg");
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: options.connectTimeoutMs, application_name: "oceanid-migrate" });
  // A dropped connection emits 'error' on the client; the failing query reports it, so don't crash.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw connectionError(databaseUrl, err, options.connectTimeoutMs);
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
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

async function describeHolder(client: Client, key: string): Promise<string> {
  const { rows } = await client.query<{ pid: number; application_name: string; client_addr: string | null; backend_start: Date }>(
    `SELECT a.pid, a.application_name, host(a.client_addr) AS client_addr, a.backend_start
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted
        AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint`,
    [key],
  );
  const h = rows[0];
  return h ? `pid ${h.pid} (${h.application_name || "unknown application"}${h.client_addr ? ` from ${h.client_addr}` : ""}, connected ${h.backend_start.toISOString()})` : "another session";
}

/**
 * Session-level advisory lock taken by polling pg_try_advisory_lock, so the wait is bounded and
 * the error says who holds it. Released in `finally`, also when `fn` fails.
 */
export async function withAdvisoryLock<T>(client: Client, domain: string, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const key = lockKey(domain);
  const deadline = Date.now() + options.timeoutMs;
  let waiting = false;
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS locked", [key]);
    if (rows[0]!.locked) break;
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
    // Through a transaction-mode pooler the lock lands on some other server session and protects nothing.
    const { rows } = await client.query<{ held: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
                        AND ((classid::bigint << 32) | objid::bigint) = $1::bigint) AS held`,
      [key],
    );
    if (!rows[0]!.held) {
      throw migrationError("The advisory lock is not held by this session: the URL goes through a transaction-mode pooler. Use the direct Postgres port (5432), not the pooler.");
    }
    return await fn();
  } finally {
    await client.query("SELECT pg_advisory_unlock($1::bigint)", [key]).catch(() => {});
  }
}
