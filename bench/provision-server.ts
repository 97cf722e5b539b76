/*
 * The bench's Label Studio and S3: the fake Label Studio and s3rver in their own process, as
 * the real ones are, so their CPU does not slow down the client being measured. Prints
 * {url, endpoint} on stdout; answers "stats" on stdin with the request summary.
 */
import * as readline from "node:readline";
import { startWorld } from "../tests/labelStudioStorage/world";

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

async function main(): Promise<void> {
  const [projects, latencyMs] = process.argv.slice(2).map(Number);
  keepConnectionsAlive();
  const world = await startWorld();
  for (let i = 1; i <= projects; i++) world.ls.addProject(`Bench project ${i}`);
  world.ls.server.setLatency(latencyMs);
  process.stdout.write(`${JSON.stringify({ url: world.ls.url, endpoint: world.s3.endpoint, region: world.settings.region })}\n`);
  const lines = readline.createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line !== "stats") return;
    const writes = world.ls.server.requests.filter((r) => r.method !== "GET").length;
    process.stdout.write(`${JSON.stringify({ requests: world.ls.server.requests.length, writes })}\n`);
    world.ls.server.requests.length = 0;
  });
  lines.on("close", () => void world.close().then(() => process.exit(0)));
}

void main();
