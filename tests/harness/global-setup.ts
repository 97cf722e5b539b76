import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresInfo } from "../../src/migrations/embedded-postgres";

export type PostgresServerInfo = EmbeddedPostgresInfo;

declare module "vitest" {
  export interface ProvidedContext {
    postgres: PostgresServerInfo;
  }
}

let server: EmbeddedPostgres | undefined;

/** Starts one embedded Postgres per test run, in a child process (see src/migrations/postgres-server.cjs). */
export async function setup(project: TestProject): Promise<void> {
  server = await startEmbeddedPostgres();
  project.provide("postgres", server.info);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
