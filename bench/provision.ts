/*
 * Provisioning at scale: 500 projects, the fake Label Studio answering each request after
 * 20 ms and a real s3rver (both in a child process, see provision-server.ts), default
 * concurrency. Prints request counts, times and the lower bound (requests × latency ÷
 * concurrency) for a first run and a no-op re-run; exits 1 if a target of issue 6 is missed.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";
import { LabelStudioClient } from "../src/labelStudioStorage/client";
import { STORAGE_DEFAULTS } from "../src/labelStudioStorage/defaults";
import { s3MarkerWriter } from "../src/labelStudioStorage/marker";
import { DEFAULT_CONCURRENCY, provision } from "../src/labelStudioStorage/reconcile";
import { S3_CREDENTIALS } from "../tests/labelStudioStorage/s3Server";
import { BUCKET, LEGACY_TOKEN } from "../tests/labelStudioStorage/world";

const PROJECTS = 500;
const LATENCY_MS = 20;
const LISTING = Math.ceil(PROJECTS / 100);

async function main(): Promise<void> {
  const server = spawn(process.execPath, ["--require", "tsx/cjs", path.join(__dirname, "provision-server.ts"), String(PROJECTS), String(LATENCY_MS)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = readline.createInterface({ input: server.stdout! })[Symbol.asyncIterator]();
  const next = async <T>() => JSON.parse((await lines.next()).value as string) as T;
  const { url, endpoint, region } = await next<{ url: string; endpoint: string; region: string }>();
  const settings = { ...STORAGE_DEFAULTS, bucket: BUCKET, region, endpoint };
  const runs = [];
  try {
    for (const label of ["first run", "no-op re-run"]) {
      const client = new LabelStudioClient({ url, token: LEGACY_TOKEN });
      const markers = s3MarkerWriter(settings, S3_CREDENTIALS);
      const started = performance.now();
      const report = await provision({ client, markers, settings, credentials: S3_CREDENTIALS }, { projects: "all" });
      const ms = performance.now() - started;
      server.stdin!.write("stats\n");
      const seen = await next<{ requests: number; writes: number }>();
      const bound = (report.requests * LATENCY_MS) / DEFAULT_CONCURRENCY;
      runs.push({ label, ...seen, sent: report.requests, errors: report.errors.length, ms, bound });
      console.log(
        `${label}: ${report.requests} Label Studio requests (server saw ${seen.requests}; ${seen.writes} writes; ${LISTING} listing pages), ` +
          `${report.s3Requests} S3 marker writes, ${(ms / 1000).toFixed(2)} s; lower bound ${report.requests} × ${LATENCY_MS} ms ÷ ${DEFAULT_CONCURRENCY} = ` +
          `${(bound / 1000).toFixed(2)} s, ratio ${(ms / bound).toFixed(3)}; ${report.errors.length} errors`,
      );
    }
  } finally {
    server.stdin!.end();
  }
  const [first, noop] = runs;
  const checks: Array<[string, boolean]> = [
    [`first run ≤ listing + 6/project (${LISTING + 6 * PROJECTS} requests)`, first.requests <= LISTING + 6 * PROJECTS],
    ["no-op re-run makes no write", noop.writes === 0],
    [`no-op re-run ≤ listing + 2/project (${LISTING + 2 * PROJECTS} requests)`, noop.requests <= LISTING + 2 * PROJECTS],
    ...runs.map((r): [string, boolean] => [`${r.label} within 1.25× its lower bound`, r.ms <= 1.25 * r.bound]),
    ["no errors", runs.every((r) => r.errors === 0)],
  ];
  for (const [what, ok] of checks) console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
}

void main();
