import * as os from "node:os";
import { spawnSync } from "node:child_process";
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
