/*
 * The bench's servers, each in its own process as the real ones are, so that neither the
 * client being measured nor the other server competes with it for an event loop:
 *   provision-server.ts s3                             s3rver with the uploads bucket, in memory
 *                                                      (BENCH_S3_STORE=filesystem: on tmpfs)
 *   provision-server.ts label-studio PROJECTS LATENCY  the fake Label Studio
 * Each prints one JSON line on stdout ({endpoint} or {url}), then answers every "stats" line
 * on stdin with a JSON line: CPU time and event-loop utilisation since the previous one (and,
 * for Label Studio, the requests it saw, when the first and last of them arrived, and the time
 * their own work took after the injected latency, S3 validation and sync included). A "reset"
 * line gives Label Studio new projects without storages (answered with {}). Closing stdin stops it.
 */
import * as readline from "node:readline";
import { performance } from "node:perf_hooks";
import { startFakeLabelStudio } from "../tests/labelStudioStorage/fakeLabelStudio";
import { startS3Server } from "../tests/labelStudioStorage/s3Server";
import { BUCKET, LEGACY_TOKEN } from "../tests/labelStudioStorage/world";

/**
 * The shared test harness advertises `Keep-Alive: timeout=1`; undici subtracts a 1 s safety
 * margin from that hint, keeps nothing, and so opens a TCP connection per request — a cost
 * Label Studio behind its ingress (which keeps connections) does not have. The bench server
 * keeps connections for 65 s instead.
 */
function keepConnectionsAlive(): void {
  // The CommonJS module object (an import namespace is read-only), the one the harness uses.
  const http = require("node:http") as typeof import("node:http");
  const createServer = http.createServer;
  http.createServer = ((...args: Parameters<typeof createServer>) => {
    const server = createServer(...args);
    Object.defineProperty(server, "keepAliveTimeout", { get: () => 65_000, set: () => undefined });
    return server;
  }) as typeof createServer;
}

/** CPU milliseconds and event-loop utilisation (0–1) since the previous call. */
function usageMeter(): () => { cpuMs: number; loop: number } {
  let cpu = process.cpuUsage();
  let elu = performance.eventLoopUtilization();
  return () => {
    const spent = process.cpuUsage(cpu);
    const loop = performance.eventLoopUtilization(elu);
    cpu = process.cpuUsage();
    elu = performance.eventLoopUtilization();
    return { cpuMs: (spent.user + spent.system) / 1000, loop: loop.utilization };
  };
}

function serve(ready: Record<string, unknown>, stats: () => Record<string, unknown>, close: () => Promise<void>, reset?: () => void): void {
  const usage = usageMeter();
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  const lines = readline.createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line === "stats") process.stdout.write(`${JSON.stringify({ ...usage(), ...stats() })}\n`);
    if (line === "reset" && reset) {
      reset();
      process.stdout.write("{}\n");
    }
  });
  lines.on("close", () => void close().then(() => process.exit(0)));
}

async function main(): Promise<void> {
  const [role, ...args] = process.argv.slice(2);
  keepConnectionsAlive();
  if (role === "s3") {
    // s3rver with its objects in memory (s3MemoryStore.ts): its filesystem store walks the
    // bucket's directories with a stat per entry on every listing, ~3 ms of CPU per request
    // with 500 project prefixes, and made s3rver the bench's bottleneck.
    const s3 = await startS3Server([BUCKET], { store: process.env.BENCH_S3_STORE === "filesystem" ? "filesystem" : "memory" });
    serve({ endpoint: s3.endpoint }, () => ({}), () => s3.close());
    return;
  }
  if (role !== "label-studio") throw new Error(`unknown role ${role}: s3 or label-studio`);
  const [projects, latencyMs] = args.map(Number);
  const processing = new Map<string, { count: number; ms: number }>();
  const ls = await startFakeLabelStudio({
    legacyToken: LEGACY_TOKEN,
    onProcessed: (request, ms) => {
      const seen = processing.get(request) ?? { count: 0, ms: 0 };
      processing.set(request, { count: seen.count + 1, ms: seen.ms + ms });
    },
  });
  let ids = Array.from({ length: projects }, (_, i) => ls.addProject(`Bench project ${i + 1}`).id);
  ls.server.setLatency(latencyMs);
  serve(
    { url: ls.url },
    () => {
      const seen = ls.server.requests;
      const requests = seen.length;
      const writes = seen.filter((r) => r.method !== "GET").length;
      const processed = Object.fromEntries(processing);
      // Wall-clock times, comparable with the bench process's Date.now().
      const firstAt = seen[0]?.receivedAt;
      const lastAt = seen.at(-1)?.receivedAt;
      ls.server.requests.length = 0;
      processing.clear();
      return { requests, writes, processed, firstAt, lastAt };
    },
    () => ls.close(),
    () => {
      for (const id of ids) ls.deleteProject(id);
      ids = ids.map((_, i) => ls.addProject(`Bench project ${i + 1}`).id);
    },
  );
}

void main();
