import * as fs from "node:fs";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, serverUrl, type EmbeddedPostgres, type EmbeddedPostgresInfo } from "../../src/migrations/embedded-postgres";
import { connectPostgres } from "../../src/postgresConnection";
import { makeOwnedTempDir } from "../../src/ownedTempDir.cjs";
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
    /** os.tmpdir() of every test and of what they start: this run's own, removed at its end. */
    runTemporaryDirectory: string;
  }
}

let server: EmbeddedPostgres | undefined;
let runTemporaryDirectory: string | undefined;
const inheritedTmpdir = process.env.TMPDIR;

/**
 * Starts one embedded Postgres per test run, in a child process (see src/migrations/postgres-server.cjs):
 * TLS with a certificate from a CA made now, scram-sha-256 passwords, and several login roles.
 * The server keeps its own copies of the certificates, so nothing outlives it even when this
 * process is killed.
 */
export async function setup(project: TestProject): Promise<void> {
  // Named after this process, so a run killed before the finally below (Stryker ends its workers
  // with SIGKILL) leaves the key for the next run to sweep (src/ownedTempDir.cjs).
  const caDir = makeOwnedTempDir("oceanid-test-ca-");
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
    useRunTemporaryDirectory(project);
  } catch (err) {
    await teardown();
    throw err;
  } finally {
    fs.rmSync(caDir, { recursive: true, force: true });
  }
}

/**
 * Points TMPDIR (so os.tmpdir(), mktemp and every child process) at a directory of this run's
 * own, which teardown removes with whatever the tests left there; a run killed before its
 * teardown (Stryker ends its workers with SIGKILL) is swept by the next (src/ownedTempDir.cjs).
 * The test workers are forked after global setup, with this environment.
 */
function useRunTemporaryDirectory(project: TestProject): void {
  runTemporaryDirectory = makeOwnedTempDir("oceanid-test-run-");
  // Others may pass through, as through /tmp: Postgres runs as `postgres` from a directory made here.
  fs.chmodSync(runTemporaryDirectory, 0o711);
  process.env.TMPDIR = runTemporaryDirectory;
  project.provide("runTemporaryDirectory", runTemporaryDirectory);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (runTemporaryDirectory === undefined) return;
  if (inheritedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = inheritedTmpdir;
  fs.rmSync(runTemporaryDirectory, { recursive: true, force: true });
  runTemporaryDirectory = undefined;
}
