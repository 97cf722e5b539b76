import { describe, expect, it } from "vitest";
import { runCli, type CliResult } from "../harness/cli";
import { createDatabase } from "../harness/postgres";
import { migrationDir, REPO_MIGRATIONS, SMALL_SCHEMA } from "./fixtures";

/** Runs the real CLI as a separate process, as CI and the workflow do. */
function oceanid(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(args, { env: { DATABASE_URL: undefined, ...env } });
}

describe("oceanid migrate", () => {
  it("--json prints the result on stdout and progress on stderr, taking the URL from DATABASE_URL", async () => {
    const url = await createDatabase("cli");
    const dir = migrationDir(SMALL_SCHEMA);
    const run = await oceanid(["migrate", "--dir", dir, "--json", "--target", "2"], { DATABASE_URL: url });
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(Object.keys(result)).toEqual(["database", "domain", "dryRun", "applied", "pending", "alreadyApplied"]);
    expect(result).toMatchObject({ domain: "cleandata", dryRun: false, alreadyApplied: 0 });
    expect(result.applied.map((f: { version: number; name: string; ms: number; checksum: string }) => [f.version, f.name, typeof f.ms, f.checksum.length])).toEqual([
      [1, "schemas", "number", 64],
      [2, "documents", "number", 64],
    ]);
    expect(result.pending).toEqual([{ version: 10, name: "vessels", checksum: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(run.stderr).toContain("cleandata: applied V2__documents.sql in ");

    const dry = await oceanid(["migrate", "--dir", dir, "--database-url", url, "--dry-run"]);
    expect({ status: dry.status, stdout: dry.stdout }).toEqual({
      status: 0,
      stdout: `cleandata at ${result.database}: would apply 1 file(s) (V10__vessels); 2 already applied.\n`,
    });
  });

  it("fails with a clean message and status 1, never printing the password", async () => {
    const secretUrl = "postgresql://postgres:Cl1-secret@127.0.0.1:1/cleandata";
    const run = await oceanid(["migrate", "--dir", migrationDir(SMALL_SCHEMA), "--connect-timeout", "1"], { DATABASE_URL: secretUrl });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^oceanid: Cannot reach Postgres at 127\.0\.0\.1:1\/cleandata: it refused the TCP connection.* \(ECONNREFUSED\)\. .*self-hosted runner/);
    expect(run.stderr).not.toContain("Cl1-secret");
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("--json prints a JSON error object on stdout when it fails, so the workflow's artifact says why", async () => {
    const secretUrl = "postgresql://postgres:Cl1-secret@127.0.0.1:1/cleandata";
    const run = await oceanid(["migrate", "--dir", migrationDir(SMALL_SCHEMA), "--json"], { DATABASE_URL: secretUrl });
    expect(run.status).toBe(1);
    const printed = JSON.parse(run.stdout) as { error: { message: string } };
    expect(printed.error.message).toMatch(/^Cannot reach Postgres at 127\.0\.0\.1:1\/cleandata: it refused the TCP connection/);
    expect(run.stderr).toBe(`oceanid: ${printed.error.message}\n`);
    expect(run.stdout).not.toContain("Cl1-secret");
    const missing = await oceanid(["migrate", "--json"]);
    expect([missing.status, JSON.parse(missing.stdout).error.message]).toEqual([1, expect.stringMatching(/^No database: pass --database-url or set DATABASE_URL/)]);
  });

  it("finds the project's migrations from any directory", async () => {
    const elsewhere = migrationDir({});
    const check = await runCli(["migrate", "consolidate", "--check"], { cwd: elsewhere });
    expect([check.status, check.stderr]).toEqual([0, `${REPO_MIGRATIONS}/consolidated_cleandata_schema.sql is up to date.\n`]);
    const url = await createDatabase("cli");
    const dry = await runCli(["migrate", "--dry-run", "--database-url", url], { cwd: elsewhere, env: { DATABASE_URL: undefined } });
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/: would apply \d+ file\(s\) \(V1__/);
  });

  it("rejects missing or bad input naming the flag", async () => {
    const missing = await oceanid(["migrate"]);
    expect([missing.status, missing.stderr.split("\n")[0]]).toEqual([1, "oceanid: No database: pass --database-url or set DATABASE_URL, e.g. DATABASE_URL=$(esc env get default/oceanid-cluster pulumiConfig.oceanid-cluster:cleandataDbUrl --value string --show-secrets)."]);
    const target = await oceanid(["migrate", "--target", "latest"]);
    expect([target.status, target.stderr.split("\n")[0]]).toEqual([1, "error: option '--target <version>' argument 'latest' is invalid. expected a positive integer."]);
    const verifyDry = await oceanid(["migrate", "--verify", "--dry-run"]);
    expect([verifyDry.status, verifyDry.stderr]).toEqual([1, "oceanid: --verify runs on its own embedded Postgres; drop --dry-run.\n"]);
  });

  it("consolidate --check passes on the committed file and fails on a stale one", async () => {
    const ok = await oceanid(["migrate", "consolidate", "--check"]);
    expect([ok.status, ok.stderr]).toEqual([0, "sql/migrations/consolidated_cleandata_schema.sql is up to date.\n"]);
    const dir = migrationDir(SMALL_SCHEMA);
    const stale = await oceanid(["migrate", "consolidate", "--check", "--dir", dir]);
    expect([stale.status, stale.stderr]).toEqual([1, `oceanid: ${dir}/consolidated_cleandata_schema.sql is out of date: run \`oceanid migrate consolidate --dir ${dir}\` and commit it.\n`]);
    const written = await oceanid(["migrate", "consolidate", "--dir", dir]);
    const recheck = await oceanid(["migrate", "consolidate", "--check", "--dir", dir]);
    expect([written.status, recheck.status]).toEqual([0, 0]);
  });

  it("--verify passes on the committed migrations and exits non-zero when the consolidated file is stale", async () => {
    const ok = await oceanid(["migrate", "--verify"]);
    expect(ok.status).toBe(0);
    expect(ok.stderr).toMatch(/verify: ok \(11 files, \d+ catalog entries identical\)/);

    const stale = await oceanid(["migrate", "--verify", "--dir", migrationDir(SMALL_SCHEMA)]);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain("oceanid: Migration check failed:\n- ");
    expect(stale.stderr).toContain("consolidated_cleandata_schema.sql is missing: run `oceanid migrate consolidate --dir ");
  });
});
