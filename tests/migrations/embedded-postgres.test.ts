import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { serverUrl } from "../../src/migrations/embedded-postgres";
import { connectPostgres } from "../../src/postgresConnection";
import { repoRoot } from "../harness/cli";

// The server script and the packages it could load, in a checkout inside a directory other users
// cannot enter (as `mkdir -m 700 /root/x` or `mktemp -d` make), with its own TMPDIR to see what
// a run leaves behind. Run as root (CI), Postgres itself must run as another user.
const PACKAGES = ["embedded-postgres", "@embedded-postgres", "async-exit-hook", "pg", "pg-connection-string", "pg-pool", "pg-protocol", "pg-types", "pg-int8", "postgres-array", "postgres-bytea", "postgres-date", "postgres-interval", "xtend", "pgpass", "split2"];

let cleanup: string[] = [];
afterEach(() => {
  cleanup.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
  cleanup = [];
});

function privateCheckout(): { script: string; tmp: string } {
  const outer = fs.mkdtempSync(path.join(os.tmpdir(), "oceanid-private-"));
  fs.chmodSync(outer, 0o700);
  // A temporary directory like /tmp: anyone may enter and create.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "oceanid-tmpdir-"));
  fs.chmodSync(tmp, 0o1777);
  cleanup.push(outer, tmp);
  const checkout = path.join(outer, "repo");
  fs.mkdirSync(path.join(checkout, "src", "migrations"), { recursive: true });
  fs.mkdirSync(path.join(checkout, "node_modules"));
  const script = path.join(checkout, "src", "migrations", "postgres-server.cjs");
  for (const file of [path.join("migrations", "postgres-server.cjs"), "ownedTempDir.cjs"]) fs.copyFileSync(path.join(repoRoot, "src", file), path.join(checkout, "src", file));
  for (const name of PACKAGES) {
    const from = path.join(repoRoot, "node_modules", name);
    if (fs.existsSync(from)) execFileSync("cp", ["-al", from, path.join(checkout, "node_modules", name)]);
  }
  return { script, tmp };
}

/** Everything under `dir`, as paths relative to it. */
function tree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}

function startServer(script: string, tmp: string, options: object = {}) {
  const child = spawn(process.execPath, [script, JSON.stringify(options)], { env: { ...process.env, TMPDIR: tmp }, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const ready = new Promise<{ host: string; port: number; user: string; password: string } | undefined>((resolve) => {
    readline.createInterface({ input: child.stdout }).once("line", (line) => resolve(JSON.parse(line)));
    void exited.then(() => resolve(undefined));
  });
  return { child, ready, exited, stderr: () => stderr };
}

describe("the embedded Postgres, from a checkout other users cannot enter", () => {
  it("starts, stores scram-sha-256 passwords, keeps its files private and leaves nothing behind", async () => {
    const { script, tmp } = privateCheckout();
    const server = startServer(script, tmp);
    const info = await server.ready;
    expect(info, server.stderr()).toBeDefined();

    const [own] = fs.readdirSync(tmp);
    expect(fs.readdirSync(tmp)).toEqual([expect.stringMatching(/^oceanid-pg-/)]);
    expect(fs.statSync(path.join(tmp, own!)).mode & 0o777).toBe(0o700);
    // The password file initdb reads is deleted once it has.
    expect(tree(tmp).filter((f) => !f.includes("/pg/") && /password/i.test(f))).toEqual([]);

    const client = await connectPostgres(serverUrl(info!, "postgres"));
    try {
      const { rows } = await client.query("SELECT current_setting('password_encryption') AS encryption, left(rolpassword, 14) AS stored FROM pg_authid WHERE rolname = current_user");
      expect(rows).toEqual([{ encryption: "scram-sha-256", stored: "SCRAM-SHA-256$" }]);
    } finally {
      await client.end();
    }
    server.child.stdin.end();
    expect(await server.exited).toBe(0);
    expect(tree(tmp)).toEqual([]);
  });

  it("a server whose script was killed with SIGKILL is stopped and its directory removed by the next start", async () => {
    const { script, tmp } = privateCheckout();
    const killed = startServer(script, tmp);
    const info = await killed.ready;
    expect(info, killed.stderr()).toBeDefined();
    const [leftover] = fs.readdirSync(tmp);
    expect(leftover).toMatch(new RegExp(`^oceanid-pg-${killed.child.pid}-`));
    const postmaster = Number(fs.readFileSync(path.join(tmp, leftover!, "data", "postmaster.pid"), "utf8").split("\n")[0]);
    // As Stryker ends a test worker's tree, except that postgres survives, as it does when only
    // the script is killed (the OOM killer, a timeout).
    killed.child.kill("SIGKILL");
    await killed.exited;
    expect(() => process.kill(postmaster, 0)).not.toThrow();

    const next = startServer(script, tmp);
    expect(await next.ready, next.stderr()).toBeDefined();
    expect(() => process.kill(postmaster, 0)).toThrow(expect.objectContaining({ code: "ESRCH" }));
    expect(fs.readdirSync(tmp)).toEqual([expect.stringMatching(new RegExp(`^oceanid-pg-${next.child.pid}-`))]);
    next.child.stdin.end();
    expect(await next.exited).toBe(0);
    expect(tree(tmp)).toEqual([]);
  });

  it("a start that fails says why and leaves nothing behind", async () => {
    const { script, tmp } = privateCheckout();
    const server = startServer(script, tmp, { hba: ["this is not a pg_hba.conf line"] });
    expect(await server.ready).toBeUndefined();
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toMatch(/^embedded postgres failed to start: postgres exited with 1 before it was ready:[\s\S]*pg_hba\.conf/);
    expect(tree(tmp)).toEqual([]);
  });
});
