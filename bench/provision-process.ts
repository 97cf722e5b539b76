/*
 * `oceanid provision --all` as a whole process (issue 11, item 6): the command a user or the
 * CronJob runs, start-up included, against the same servers as bench/provision.ts (500
 * projects, Label Studio answering after 20 ms, a real s3rver; each in its own process).
 * Alternates a first run (fresh projects, 6 requests each) and a no-op re-run, RUNS (default 7)
 * times each, and prints medians: the process's wall time, the time before its first request
 * reached Label Studio and after its last, and the ratio to the latency bound (requests ×
 * latency ÷ concurrency). The baseline start-up is a bare `node -e 0`. Exits 1 if a median
 * exceeds 1.25× the bound.
 *
 * The floor, also printed: bench/fixtures/bare-provision-client.cjs, plain node and undici
 * sending the no-op's GETs, with nothing of ours. Its ratio to the bound is what this machine's
 * loopback, event loops and the fake's timers cost before any of our code runs.
 *
 * BENCH_COMPARE=<checkout> also runs that checkout's CLI, alternating with this one within each
 * round, so both see the same machine load (its CLI cache goes to a directory of its own under
 * the temporary directory).
 */
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_CONCURRENCY } from "../src/labelStudioStorage/reconcile";
import { S3_CREDENTIALS, S3_REGION } from "../tests/labelStudioStorage/s3Server";
import { BUCKET, LEGACY_TOKEN } from "../tests/labelStudioStorage/world";
import { startServer } from "./provisionServers";
import { median } from "./stats";

const BARE_CLIENT = path.join(__dirname, "fixtures", "bare-provision-client.cjs");
const BARE_LABEL = "bare undici client (plain node), the no-op's GETs";
const PROJECTS = 500;
const LATENCY_MS = 20;
const RUNS = Number(process.env.RUNS ?? 7);
const CHECKOUTS: Array<{ name: string; root: string }> = [
  { name: "this checkout", root: path.join(__dirname, "..") },
  ...(process.env.BENCH_COMPARE ? [{ name: path.resolve(process.env.BENCH_COMPARE), root: path.resolve(process.env.BENCH_COMPARE) }] : []),
];

interface Sample {
  ms: number;
  beforeFirstMs: number;
  afterLastMs: number;
  requests: number;
  boundMs: number;
}

function runProcess(args: string[], env: NodeJS.ProcessEnv): { startedAt: number; endedAt: number } {
  const startedAt = Date.now();
  const result = spawnSync(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  const endedAt = Date.now();
  if (result.status !== 0) throw new Error(`${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  return { startedAt, endedAt };
}

async function main(): Promise<void> {
  const s3 = await startServer<{ endpoint: string }>("s3");
  const ls = await startServer<{ url: string }>("label-studio", String(PROJECTS), String(LATENCY_MS));
  const env = {
    PATH: process.env.PATH ?? "",
    LABEL_STUDIO_URL: ls.ready.url,
    LABEL_STUDIO_TOKEN: LEGACY_TOKEN,
    AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
    AWS_REGION: S3_REGION,
    S3_BUCKET: BUCKET,
    S3_ENDPOINT: s3.ready.endpoint,
  };
  const samples = new Map<string, Sample[]>();
  const bare: number[] = [];
  const record = async (key: string, startedAt: number, endedAt: number) => {
    const seen = await ls.stats<{ requests: number; firstAt: number; lastAt: number }>();
    samples.set(key, [
      ...(samples.get(key) ?? []),
      {
        ms: endedAt - startedAt,
        beforeFirstMs: seen.firstAt - startedAt,
        afterLastMs: endedAt - seen.lastAt,
        requests: seen.requests,
        boundMs: (seen.requests * LATENCY_MS) / DEFAULT_CONCURRENCY,
      },
    ]);
  };
  // The other checkout's bundle must not replace this one's in the shared node_modules cache.
  const cliEnv = (index: number) => (index === 0 ? env : { ...env, OCEANID_CLI_CACHE: path.join(os.tmpdir(), `oceanid-bench-cli-cache-${index}`) });
  const cli = (index: number) => [path.join(CHECKOUTS[index].root, "bin", "oceanid.cjs"), "provision", "--all"];
  try {
    // A warm-up of each, unmeasured: the CLI's bundle and code cache are built by a first start.
    for (const index of CHECKOUTS.keys()) {
      await ls.reset();
      runProcess(cli(index), cliEnv(index));
      await ls.stats();
    }
    for (let i = 0; i < RUNS; i++) {
      const node = runProcess(["-e", "0"], env);
      bare.push(node.endedAt - node.startedAt);
      for (const index of CHECKOUTS.keys()) {
        await ls.reset();
        for (const label of ["first run", "no-op re-run"] as const) {
          const { startedAt, endedAt } = runProcess(cli(index), cliEnv(index));
          await record(`${CHECKOUTS[index].name}, ${label}`, startedAt, endedAt);
        }
      }
      // After the no-op re-runs: the storages exist, so the bare client reads what they read.
      const { startedAt, endedAt } = runProcess([BARE_CLIENT, ls.ready.url, LEGACY_TOKEN, String(DEFAULT_CONCURRENCY)], env);
      await record(BARE_LABEL, startedAt, endedAt);
    }
  } finally {
    ls.stop();
    s3.stop();
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`bare node -e 0: median ${s(median(bare))} (${RUNS} runs)`);
  const checks: Array<[string, boolean]> = [];
  for (const [label, runs] of samples) {
    const m = (pick: (r: Sample) => number) => median(runs.map(pick));
    const ratio = m((r) => r.ms) / m((r) => r.boundMs);
    console.log(
      `${label}: process ${s(m((r) => r.ms))} (median of ${runs.length}; ${runs.map((r) => s(r.ms)).join(", ")}), ${m((r) => r.requests)} requests, ` +
        `bound ${s(m((r) => r.boundMs))}, ratio ${ratio.toFixed(3)}; before the first request ${s(m((r) => r.beforeFirstMs))}, after the last ${s(m((r) => r.afterLastMs))}`,
    );
    if (label === BARE_LABEL) console.log(`  (the floor: the same GETs with none of our code; under the 1.25× goal that leaves ${(1.25 - ratio).toFixed(3)}× the bound for everything of ours, start-up included)`);
    if (label.startsWith(CHECKOUTS[0].name)) checks.push([`${label}: whole process within 1.25× the latency bound`, ratio <= 1.25]);
  }
  for (const [what, ok] of checks) console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
}

void main();
