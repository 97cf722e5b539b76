import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, serverUrl, type EmbeddedPostgres, type EmbeddedPostgresInfo } from "../../src/migrations/embedded-postgres";
import { connectPostgres } from "../../src/postgresConnection";
import { issueServerCertificate, makeCertificateAuthority } from "./certificates";

/** Login roles besides the superuser, each with its own password, as a managed database has. */
export const ROLES = {
  /** An ordinary role: no superuser, no pg_read_all_stats. */
  app: "oceanid_app",
  /** pg_hba.conf refuses it without TLS. */
  tlsOnly: "oceanid_tls_only",
  /** pg_hba.conf refuses it over TLS. */
  plainOnly: "oceanid_plain_only",
} as const;
export type RoleName = keyof typeof ROLES;

export interface PostgresServerInfo extends EmbeddedPostgresInfo {
  /** The private CA that issued the server's certificate (subject alternative name IP:127.0.0.1 only). */
  caFile: string;
  passwords: Record<RoleName, string>;
}

declare module "vitest" {
  export interface ProvidedContext {
    postgres: PostgresServerInfo;
  }
}

let server: EmbeddedPostgres | undefined;

/**
 * Starts one embedded Postgres per test run, in a child process (see src/migrations/postgres-server.cjs):
 * TLS with a certificate from a CA made now, scram-sha-256 passwords, and several login roles.
 * The server keeps its own copies of the certificates, so nothing outlives it even when this
 * process is killed.
 */
export async function setup(project: TestProject): Promise<void> {
  const caDir = fs.mkdtempSync(path.join(os.tmpdir(), "oceanid-test-ca-"));
  try {
    const ca = makeCertificateAuthority(caDir, "oceanid-test-ca");
    const tls = { ...issueServerCertificate(ca, caDir, "postgres-server", ["IP:127.0.0.1"]), caFile: ca.certFile };
    server = await startEmbeddedPostgres({
      tls,
      hba: [`hostnossl all ${ROLES.tlsOnly} 127.0.0.1/32 reject`, `hostssl all ${ROLES.plainOnly} 127.0.0.1/32 reject`],
    });
    const caFile = server.info.caFile!;
    const crypto = await import("node:crypto");
    const passwords = Object.fromEntries(Object.keys(ROLES).map((r) => [r, `pw-${crypto.randomBytes(9).toString("base64url")}`])) as Record<RoleName, string>;
    const client = await connectPostgres(serverUrl(server.info, "postgres", { sslmode: "verify-full", sslrootcert: caFile }));
    try {
      for (const [key, role] of Object.entries(ROLES)) {
        await client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${passwords[key as RoleName]}'`);
      }
    } finally {
      await client.end();
    }
    project.provide("postgres", { ...server.info, caFile, passwords });
  } catch (err) {
    await teardown();
    throw err;
  } finally {
    fs.rmSync(caDir, { recursive: true, force: true });
  }
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
