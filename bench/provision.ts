/*
 * Provisioning at scale: 500 projects, the fake Label Studio answering each request after
 * 20 ms and a real s3rver (each in its own child process, see provision-server.ts), default
 * concurrency. Prints request counts, times and the lower bound (requests × latency ÷
 * concurrency) for a first run and a no-op re-run, and the CPU each process spent; exits 1
 * if a target of issue 6 is missed.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import { LabelStudioClient } from "../src/labelStudioStorage/client";
import { STORAGE_DEFAULTS } from "../src/labelStudioStorage/defaults";
import { s3MarkerWriter } from "../src/labelStudioStorage/marker";
import { DEFAULT_CONCURRENCY, provision } from "../src/labelStudioStorage/reconcile";
import { startServer, type Usage } from "./provisionServers";
import { S3_CREDENTIALS, S3_REGION } from "../tests/labelStudioStorage/s3Server";
import { BUCKET, LEGACY_TOKEN } from "../tests/labelStudioStorage/world";

const PROJECTS = 500;
const LATENCY_MS = 20;
const LISTING = Math.ceil(PROJECTS / 100);

/**
 * Times every call of the named methods (wrapped on this instance only), keyed by method and
 * first argument when it is a direction: where a project's wall time goes.
 */
function timeSteps(target: object, methods: string[], steps: Map<string, number[]>): void {
  const record = target as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const method of methods) {
    const original = record[method].bind(target);
    record[method] = async (...args: unknown[]) => {
      const started = performance.now();
      try {
        return await original(...args);
      } finally {
        const key = args[0] === "import" || args[0] === "export" ? `${method} ${args[0]}` : method;
        steps.set(key, [...(steps.get(key) ?? []), performance.now() - started]);
      }
    };
  }
}

function describeSteps(steps: Map<string, number[]>): string {
  return [...steps]
    .map(([key, times]) => {
      const sorted = [...times].sort((a, b) => a - b);
      const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
      return `${key} ×${sorted.length} mean ${mean.toFixed(1)} p90 ${sorted[Math.floor(sorted.length * 0.9)].toFixed(1)}`;
    })
    .join("; ");
}

/** CPU milliseconds the whole machine spent (all cores, all processes), from /proc/stat; 0 elsewhere. */
function machineCpuMs(): number {
  try {
    const fields = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: all but idle and iowait, in clock ticks (USER_HZ = 100).
    const busy = fields.slice(0, 8).reduce((sum, v, i) => (i === 3 || i === 4 ? sum : sum + v), 0);
    return busy * 10;
  } catch {
    return 0;
  }
}

function describeUsage(name: string, usage: Usage, ms: number): string {
  const loop = usage.loop === undefined ? "" : `, event loop busy ${(100 * usage.loop).toFixed(0)}%`;
  return `${name} ${(usage.cpuMs / 1000).toFixed(2)} s (${((100 * usage.cpuMs) / ms).toFixed(0)}% of a core${loop})`;
}

async function main(): Promise<void> {
  const s3 = await startServer<{ endpoint: string }>("s3");
  const ls = await startServer<{ url: string }>("label-studio", String(PROJECTS), String(LATENCY_MS));
  const settings = { ...STORAGE_DEFAULTS, bucket: BUCKET, region: S3_REGION, endpoint: s3.ready.endpoint };
  const runs = [];
  try {
    for (const label of ["first run", "no-op re-run"]) {
      const client = new LabelStudioClient({ url: ls.ready.url, token: LEGACY_TOKEN });
      const markers = s3MarkerWriter(settings, S3_CREDENTIALS);
      const steps = new Map<string, number[]>();
      timeSteps(client, ["listProjects", "listStorages", "createStorage", "updateStorage", "syncStorage"], steps);
      timeSteps(markers, ["write"], steps);
      await Promise.all([s3.stats(), ls.stats()]);
      const machine = machineCpuMs();
      const cpu = process.cpuUsage();
      const started = performance.now();
      const report = await provision({ client, markers, settings, credentials: S3_CREDENTIALS }, { projects: "all" });
      const ms = performance.now() - started;
      const clientCpu = process.cpuUsage(cpu);
      const machineMs = machineCpuMs() - machine;
      const [s3Usage, seen] = await Promise.all([
        s3.stats(),
        ls.stats<{ requests: number; writes: number; processed: Record<string, { count: number; ms: number }> }>(),
      ]);
      const bound = (report.requests * LATENCY_MS) / DEFAULT_CONCURRENCY;
      runs.push({ label, ...seen, sent: report.requests, errors: report.errors.length, ms, bound });
      console.log(
        `${label}: ${report.requests} Label Studio requests (server saw ${seen.requests}; ${seen.writes} writes; ${LISTING} listing pages), ` +
          `${report.s3Requests} S3 marker writes, ${(ms / 1000).toFixed(2)} s; lower bound ${report.requests} × ${LATENCY_MS} ms ÷ ${DEFAULT_CONCURRENCY} = ` +
          `${(bound / 1000).toFixed(2)} s, ratio ${(ms / bound).toFixed(3)}; ${report.errors.length} errors`,
      );
      const clientMs = (clientCpu.user + clientCpu.system) / 1000;
      const othersMs = machineMs - clientMs - seen.cpuMs - s3Usage.cpuMs;
      console.log(
        `  CPU: ${describeUsage("client", { cpuMs: clientMs }, ms)}, ${describeUsage("Label Studio", seen, ms)}, ${describeUsage("s3rver", s3Usage, ms)}; ` +
          `other processes ≈ ${(Math.max(0, othersMs) / 1000).toFixed(2)} s; ${os.availableParallelism()} cores`,
      );
      console.log(`  steps (ms): ${describeSteps(steps)}`);
      const processed = Object.entries(seen.processed);
      const perProject = processed.reduce((sum, [, p]) => sum + p.ms, 0) / PROJECTS;
      console.log(
        `  Label Studio's own work, within the latency (ms): ${processed.map(([request, p]) => `${request} ×${p.count} mean ${(p.ms / p.count).toFixed(1)}`).join("; ")}; ` +
          `${perProject.toFixed(1)} per project`,
      );
    }
  } finally {
    ls.stop();
    s3.stop();
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
