import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { serializeProvider } from "./provider";
import { startFakeServer } from "./http";
import { createDatabase, withClient } from "./postgres";

describe("test harness", () => {
  it("runs a provider through serializeFunction and require-from-string", async () => {
    const serialized = serializeProvider("tests/harness/fixtures/echo-provider.ts", "echoProvider");
    expect(serialized.text).toContain("exports.handler");
    const result = await serialized.load().create({ word: "fish" });
    expect(result).toEqual({ id: "FISH", outs: { word: "fish", db: "d" } });
  });

  it("gives each test a fresh database on the embedded server", async () => {
    const url = await createDatabase();
    const rows = await withClient(url, async (c) => (await c.query<{ n: number }>("select 41 + 1 as n")).rows);
    expect(rows).toEqual([{ n: 42 }]);
  });

  it("gives tests and their child processes the run's own temporary directory", () => {
    const own = inject("runTemporaryDirectory");
    expect(path.basename(own)).toMatch(/^oceanid-test-run-\d+-/);
    expect(os.tmpdir()).toBe(own);
    expect(path.dirname(spawnSync("mktemp", ["-u"], { encoding: "utf8" }).stdout.trim())).toBe(own);
  });

  it("names the CA's directory after its run, so one killed during its setup leaves nothing the next run keeps", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ca-sweep-"));
    const env = { ...process.env, TMPDIR: tmp };
    const caDirs = () => fs.readdirSync(tmp).filter((name) => name.startsWith("oceanid-test-ca-"));
    try {
      // The real global setup in a child process, killed with SIGKILL once its CA directory exists.
      const setup = spawn(process.execPath, ["--require", "tsx/cjs", "-e", `require(${JSON.stringify(path.join(__dirname, "global-setup.ts"))}).setup({ provide() {} })`], { env, stdio: "ignore" });
      const deadline = Date.now() + 20_000;
      while (caDirs().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      setup.kill("SIGKILL");
      await once(setup, "exit");
      const [leftover] = caDirs();
      expect(leftover).toMatch(new RegExp(`^oceanid-test-ca-${setup.pid}-`));
      // The next run's first step removes it, its owner being gone.
      const next = spawnSync(process.execPath, ["-e", `process.stdout.write(require(${JSON.stringify(path.join(__dirname, "..", "..", "src", "ownedTempDir.cjs"))}).makeOwnedTempDir("oceanid-test-ca-"))`], { env, encoding: "utf8" });
      expect(caDirs()).toEqual([path.basename(next.stdout)]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("injects faults before routing", async () => {
    const server = await startFakeServer(() => ({ status: 200, body: { ok: true } }));
    try {
      server.inject(/^GET \/x$/, { kind: "status", status: 429, headers: { "retry-after": "1" } });
      const first = await fetch(`${server.url}/x`);
      const second = await fetch(`${server.url}/x`);
      expect([first.status, first.headers.get("retry-after"), second.status]).toEqual([429, "1", 200]);
      expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /x", "GET /x"]);
    } finally {
      await server.close();
    }
  });
});
