import pg, { type Client } from "pg";
import { inject, vi } from "vitest";
import { serverUrl as urlOn } from "../../src/migrations/embedded-postgres";
import { connectPostgres } from "../../src/postgresConnection";
import { ROLES, type RoleName } from "./global-setup";

export { ROLES, type RoleName };

/** The private CA that issued the test server's certificate (for sslrootcert). */
export function caFile(): string {
  return inject("postgres").caFile;
}

/**
 * URL of `database` (default `postgres`) on the run's embedded Postgres as the superuser, over TLS
 * checked against the run's private CA (sslmode=verify-full): what psql, dbmate and pg all accept.
 */
export function serverUrl(database = "postgres", query?: Record<string, string>): string {
  return urlOn(inject("postgres"), database, query ?? { sslmode: "verify-full", sslrootcert: caFile() });
}

/** The same URL as one of the other login roles (ROLES). */
export function roleUrl(role: RoleName, database = "postgres", query?: Record<string, string>): string {
  const info = inject("postgres");
  return urlOn({ ...info, user: ROLES[role], password: info.passwords[role] }, database, query ?? { sslmode: "verify-full", sslrootcert: caFile() });
}

let counter = 0;

/** Creates a fresh, empty database on the run's server (owned by `owner`, default the superuser) and returns the superuser's URL of it. */
export async function createDatabase(prefix = "t", options: { owner?: RoleName } = {}): Promise<string> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`.toLowerCase();
  await withClient(serverUrl(), (c) => c.query(`CREATE DATABASE "${name}"${options.owner ? ` OWNER ${ROLES[options.owner]}` : ""}`));
  return serverUrl(name);
}

/** Creates (or recreates) a database with an exact name, e.g. `labelfish`. */
export async function createNamedDatabase(name: string): Promise<string> {
  await withClient(serverUrl(), async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${name}"`);
  });
  return serverUrl(name);
}

/** Connects as the URL says (libpq sslmode semantics, src/postgresConnection.ts), runs `fn`, closes. */
export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectPostgres(url);
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The SQL text of every query `run` sends to Postgres (through the driver, unchanged). */
export async function sqlSent(run: () => Promise<unknown>): Promise<string[]> {
  const spy = vi.spyOn(pg.Client.prototype, "query");
  try {
    await run();
    return spy.mock.calls.map(([q]) => (typeof q === "string" ? q : (q as { text: string }).text));
  } finally {
    spy.mockRestore();
  }
}
