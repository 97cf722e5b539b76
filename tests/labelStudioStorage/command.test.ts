import * as http from "node:http";
import * as net from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli, type CliResult } from "../harness/cli";
import { S3_CREDENTIALS } from "./s3Server";
import { BUCKET, LEGACY_TOKEN, startWorld, type World } from "./world";

let world: World;

beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => {
  await world.close();
});


/** The CLI as the CronJob runs it: its own process, settings and secrets from the environment. */
function cli(args: string[], extraEnv: Record<string, string> = {}, onSpawn?: (kill: () => void) => void): Promise<CliResult> {
  const env = {
    PATH: process.env.PATH ?? "",
    LABEL_STUDIO_URL: world.ls.url,
    LABEL_STUDIO_TOKEN: LEGACY_TOKEN,
    AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
    AWS_REGION: world.settings.region,
    S3_BUCKET: BUCKET,
    S3_ENDPOINT: world.s3.endpoint,
    ...extraEnv,
  };
  return runCli(["provision", ...args], { env, inheritEnv: false, onSpawn });
}

function expectNoSecrets(run: CliResult): void {
  for (const secret of [LEGACY_TOKEN, S3_CREDENTIALS.secretAccessKey]) expect(run.stdout + run.stderr).not.toContain(secret);
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("oceanid provision", () => {
  it("prints the issue's JSON, progress on stderr, and a no-op second run", async () => {
    world.ls.addProject("NER Data");
    world.ls.addProject("Fish");
    const first = await cli(["--all", "--json", "--concurrency", "1"]);
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({
      projects: [
        {
          id: 1,
          slug: "ner-data",
          import: { id: 1, prefix: "raw-uploads/ner-data-1/import/", action: "created" },
          export: { id: 1, prefix: "annotations/ner-data-1/export/", action: "created" },
          synced: true,
        },
        {
          id: 2,
          slug: "fish",
          import: { id: 2, prefix: "raw-uploads/fish-2/import/", action: "created" },
          export: { id: 2, prefix: "annotations/fish-2/export/", action: "created" },
          synced: true,
        },
      ],
      requests: 11,
      errors: [],
    });
    expect(first.stderr).toContain("project 1 ner-data: import created (raw-uploads/ner-data-1/import/), export created (annotations/ner-data-1/export/), synced\n");
    expect(first.stderr).toContain("2 project(s), 0 error(s), 11 Label Studio request(s)\n");
    const again = await cli(["--project", "NER Data", "2", "--json"]);
    expect(JSON.parse(again.stdout).projects.map((p: { import: { action: string }; export: { action: string } }) => [p.import.action, p.export.action])).toEqual([
      ["unchanged", "unchanged"],
      ["unchanged", "unchanged"],
    ]);
    expect(JSON.parse(again.stdout).requests).toBe(5);
    expectNoSecrets(first);
    expectNoSecrets(again);
  });

  it("never duplicates a storage when a run is killed midway and started again", async () => {
    for (const title of ["One", "Two", "Three"]) world.ls.addProject(title);
    await world.s3.put(BUCKET, "raw-uploads/two-2/import/photo.jpg");
    // Project 2's sync never answers: the run is killed while waiting for it.
    world.ls.server.inject(/^POST \/api\/storages\/s3\/2\/sync$/, { kind: "delay", ms: 120_000 });
    const killed = await cli(["--all", "--concurrency", "1"], {}, (kill) => {
      void until(() => world.ls.server.requests.some((r) => r.path === "/api/storages/s3/2/sync")).then(kill);
    });
    expect(killed.status).toBe(null);
    expect(world.ls.storages("import").map((s) => s.project)).toEqual([1, 2]);
    expect(world.ls.storages("import", 2)[0].fields.last_sync).toBe(null);

    const restarted = await cli(["--all", "--json"]);
    expect(restarted.status).toBe(0);
    expect(JSON.parse(restarted.stdout).projects.map((p: { id: number; import: { action: string }; export: { action: string }; synced: boolean }) => [p.id, p.import.action, p.export.action, p.synced])).toEqual([
      [1, "unchanged", "unchanged", false],
      [2, "unchanged", "unchanged", true],
      [3, "created", "created", true],
    ]);
    expect(world.ls.storages("import").map((s) => s.project).sort()).toEqual([1, 2, 3]);
    expect(world.ls.storages("export").map((s) => s.project).sort()).toEqual([1, 2, 3]);
    expect([...world.ls.storages("import", 2)[0].tasks]).toEqual(["raw-uploads/two-2/import/photo.jpg"]);
  });

  it("plans without writing in a dry run", async () => {
    world.ls.addProject("Fish");
    const run = await cli(["--project", "1", "--dry-run", "--json"]);
    expect(JSON.parse(run.stdout)).toMatchObject({ dryRun: true, projects: [{ import: { id: null, action: "created" }, export: { id: null, action: "created" }, synced: false }] });
    expect(run.stderr).toContain("project 1 fish: import would be created (raw-uploads/fish-1/import/), export would be created (annotations/fish-1/export/)\n");
    expect(world.ls.server.requests.every((r) => r.method === "GET")).toBe(true);
  });

  it("exits 1 with clean messages: usage, a bad token, a failing project", async () => {
    const usage = await cli(["--json"]);
    expect([usage.status, usage.stderr]).toEqual([1, "oceanid: give either --project <id|title>... or --all\n"]);
    const noKey = await cli(["--all"], { AWS_SECRET_ACCESS_KEY: "" });
    expect(noKey.stderr).toBe("oceanid: AWS_SECRET_ACCESS_KEY is not set\n");
    world.ls.addProject("Fish");
    const badToken = await cli(["--all"], { LABEL_STUDIO_TOKEN: "0000000000000000000000000000000000000000" });
    expect(badToken.status).toBe(1);
    // (The AWS SDK may print a Node version warning first.)
    expect(badToken.stderr.split("\n").at(-2)).toBe(
      "oceanid: Label Studio answered 401 to GET /api/projects/: Invalid token. — check the token; a legacy token also needs legacy tokens enabled (Organization → Access Token Settings)",
    );
    const missing = await cli(["--project", "Nope", "1", "--json"]);
    expect(missing.status).toBe(1);
    expect(JSON.parse(missing.stdout).errors).toEqual([{ project: 'no project titled "Nope"', message: 'no project titled "Nope"' }]);
    for (const run of [usage, noKey, badToken, missing]) expectNoSecrets(run);
  });

  it("shows progress while Label Studio is unreachable, then one clear line, within the request budget", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(closed.address() as net.AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const started = Date.now();
    const run = await cli(["--all", "--request-budget", "3"], { LABEL_STUDIO_URL: url });
    const lines = run.stderr.trimEnd().split("\n");
    expect(run.status).toBe(1);
    expect(lines.at(-1)).toMatch(/^oceanid: Label Studio GET \/api\/projects\/: ECONNREFUSED \(gave up after \d+ attempts in \d+(\.\d)? s: retry budget 3 s\)$/);
    expect(lines.filter((l) => /^Label Studio unreachable: ECONNREFUSED, retrying in \d+(\.\d)? s \(GET \/api\/projects\/, \d+(\.\d)? s of 3 s\)$/.test(l)).length).toBeGreaterThan(0);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    // Start-up included; the budget bounds the retrying.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("rides out a busy Label Studio with progress, and names each project that keeps failing past the budget", async () => {
    world.ls.addProject("One");
    world.ls.addProject("Two");
    world.ls.server.inject(/^GET \/api\/projects\/$/, { kind: "status", status: 429, headers: { "retry-after": "1" }, body: { detail: "Request was throttled." } });
    world.ls.server.randomFaults({ seed: 3, match: /^GET \/api\/storages\/export\/s3$/, faults: [{ probability: 1, fault: { kind: "status", status: 500, body: { detail: "Server Error (500)" } } }] });
    const run = await cli(["--all", "--request-budget", "5", "--json"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^Label Studio busy: 429, retrying in 1 s \(GET \/api\/projects\/, \d+(\.\d)? s of 5 s\)$/m);
    expect(run.stderr).toMatch(/^Label Studio failing: 500, retrying in \d+(\.\d)? s \(project 1, \d+(\.\d)? s of 5 s\)$/m);
    const notConverged = run.stderr.split("\n").filter((l) => l.startsWith("not converged: "));
    expect(notConverged).toEqual([1, 2].map((id) => expect.stringMatching(new RegExp(`^not converged: project ${id} "(One|Two)": export storage: Label Studio answered 500 to GET /api/storages/export/s3: Server Error \\(500\\) \\(gave up after \\d+ attempts in \\d+(\\.\\d)? s: retry budget 5 s\\)$`))));
    expect(JSON.parse(run.stdout).errors.map((e: { project: number }) => e.project)).toEqual([1, 2]);
    expectNoSecrets(run);
  });

  it("refuses a budget that is not a positive number of seconds, naming the flag and the variable", async () => {
    const run = await cli(["--all"], { OCEANID_RUN_BUDGET: "ten minutes" });
    expect([run.status, run.stderr]).toEqual([1, 'oceanid: --run-budget (or OCEANID_RUN_BUDGET) must be a positive number of seconds, got "ten minutes"\n']);
  });

  it("refuses a Label Studio URL that is not an http(s) URL, naming the flag and the variable", async () => {
    const run = await cli(["--all"], { LABEL_STUDIO_URL: "label.example.com" });
    expect([run.status, run.stderr]).toEqual([1, 'oceanid: --label-studio-url (or LABEL_STUDIO_URL) must be an http(s) URL such as https://label.example.com, got "label.example.com"\n']);
  });

  it("goes through HTTP_PROXY for Label Studio and S3 alike", async () => {
    world.ls.addProject("Fish");
    const seen: string[] = [];
    const proxy = http.createServer((req, res) => {
      seen.push(req.url ?? "");
      const target = new URL(req.url ?? "");
      const upstream = http.request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    proxy.on("connect", (req, socket, head) => {
      seen.push(`CONNECT ${req.url}`);
      const [host, port] = (req.url ?? "").split(":");
      const upstream = net.connect(Number(port), host, () => {
        socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on("error", () => socket.destroy());
      socket.on("error", () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const run = await cli(["--all", "--json"], { HTTP_PROXY: `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}` });
      expect(run.status).toBe(0);
      expect(run.stderr).toContain("using the proxy from HTTP_PROXY/HTTPS_PROXY");
      const hosts = new Set(seen.map((s) => s.replace(/^CONNECT /, "").replace(/^http:\/\//, "").split("/")[0]));
      expect(hosts).toEqual(new Set([new URL(world.ls.url).host, new URL(world.s3.endpoint).host]));
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
