import { inject } from "vitest";
import { Client } from "pg";
import { serverUrl as urlOn } from "../../src/migrations/embedded-postgres";

/** Connection URL of the run's embedded Postgres server, for `database` (default `postgres`). */
export function serverUrl(database = "postgres"): string {
  return urlOn(inject("postgres"), database);
}

let counter = 0;

/** Creates a fresh, empty database on the run's server and returns its URL. */
export async function createDatabase(prefix = "t"): Promise<string> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`.toLowerCase();
  await withClient(serverUrl(), (c) => c.query(`CREATE DATABASE "${name}"`));
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

export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
