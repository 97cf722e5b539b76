// Whole-process `oceanid migrate` vs dbmate 2.24.0 applying the same V files (dbmate's format,
// generated as the tests do) to fresh databases on one embedded Postgres (started in a child
// process). Goals: fresh apply and no-op re-run each at most 1.0x dbmate. Run:
// `npm run bench:migrate` (BENCH_RUNS, default 21: medians of 9 moved by about +-0.05x here from
// one run to the next, as much as the margin measured).
import * as fs from "node:fs";
import * as path from "node:path";
import { withClient } from "../src/migrations/db";
import { startEmbeddedPostgres } from "../src/migrations/embedded-postgres";
import { readMigrationDir } from "../src/migrations/files";
import { dbmateMigrations, dbmateUpArgs, DBMATE } from "../tests/migrations/standard-runners";
import { fmt, median, timeProcess } from "./stats";

const root = path.resolve(__dirname, "..");
const runs = Number(process.env.BENCH_RUNS ?? 21);
const cli = path.join(root, "bin", "oceanid.cjs");
const migrationsDir = path.join(root, "sql", "migrations");
// Without NODE_EXTRA_CA_CERTS, which some machines set (this sandbox does): every node start,
// both tools' included, reads and parses that bundle, 40-100 ms that vary more than the
// difference measured here, and nothing here uses TLS.
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== "NODE_EXTRA_CA_CERTS"));

async function main(): Promise<void> {
  const dbmateDir = dbmateMigrations(migrationsDir);
  const server = await startEmbeddedPostgres();
  try {
    let n = 0;
    const freshDatabase = async () => {
      const name = `bench_${n++}`;
      await withClient(server.url("postgres"), { connectTimeoutMs: 10_000 }, (c) => c.query(`CREATE DATABASE ${name}`));
      return server.url(name);
    };
    const ours = (url: string) => timeProcess(process.execPath, [cli, "migrate", "--database-url", url, "--dir", migrationsDir], env);
    const theirs = (url: string) => timeProcess(DBMATE, dbmateUpArgs(url, dbmateDir), env);

    // Both tools start a Node process (dbmate's npm package is a Node wrapper around its Go
    // binary): `node -e 0`, timed in the same rounds, is the floor neither can go below.
    const nodeFloor = () => timeProcess(process.execPath, ["-e", "0"], env);

    const samples = { oursFresh: [] as number[], oursNoop: [] as number[], dbmateFresh: [] as number[], dbmateNoop: [] as number[], node: [] as number[] };
    // One warm-up round (the CLI bundle and its code cache, page cache), then alternate who goes first.
    for (let i = -1; i < runs; i++) {
      const [a, b] = [await freshDatabase(), await freshDatabase()];
      const round = i % 2 === 0
        ? [() => [ours(a), ours(a)], () => [theirs(b), theirs(b)]]
        : [() => [theirs(b), theirs(b)], () => [ours(a), ours(a)]];
      const results = round.map((run) => run());
      const floor = nodeFloor();
      if (i < 0) continue;
      const [[oursFresh, oursNoop], [dbmateFresh, dbmateNoop]] = i % 2 === 0 ? results : [results[1]!, results[0]!];
      samples.oursFresh.push(oursFresh!);
      samples.oursNoop.push(oursNoop!);
      samples.dbmateFresh.push(dbmateFresh!);
      samples.dbmateNoop.push(dbmateNoop!);
      samples.node.push(floor);
    }
    const line = (label: string, values: number[]) => `  ${label.padEnd(24)}${fmt(median(values))}  (min ${fmt(Math.min(...values))}, max ${fmt(Math.max(...values))})`;
    const files = readMigrationDir(migrationsDir).length;
    console.log(`migrations (${files} files), whole process, median of ${runs} runs on fresh databases`);
    console.log(line("oceanid fresh apply:", samples.oursFresh));
    console.log(line("dbmate fresh apply:", samples.dbmateFresh));
    console.log(`  ratio fresh:            ${(median(samples.oursFresh) / median(samples.dbmateFresh)).toFixed(2)}x  (goal <= 1.00x)`);
    console.log(line("oceanid no-op re-run:", samples.oursNoop));
    console.log(line("dbmate no-op re-run:", samples.dbmateNoop));
    console.log(`  ratio no-op:            ${(median(samples.oursNoop) / median(samples.dbmateNoop)).toFixed(2)}x  (goal <= 1.00x)`);
    console.log(line("node -e 0 (floor):", samples.node));
    if (process.env.NODE_EXTRA_CA_CERTS) console.log("  (NODE_EXTRA_CA_CERTS was left out of the timed processes' environment)");
  } finally {
    await server.stop();
    fs.rmSync(dbmateDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
