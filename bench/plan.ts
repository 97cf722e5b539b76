// Offline plan of prod vs a bare program (one bucket, one trivial dynamic resource), both as
// whole `oceanid plan` processes. Target: prod at most 1.3x the bare program.
import * as path from "node:path";
import { fmt, median, sample, timeProcess } from "./stats";

const root = path.resolve(__dirname, "..");
const runs = Number(process.env.BENCH_RUNS ?? 9);
const cli = path.join(root, "bin", "oceanid.cjs");

const prod = sample(runs, () => timeProcess(process.execPath, [cli, "plan", "--stack", "prod", "--json"]));
const bare = sample(runs, () => timeProcess(process.execPath, [cli, "plan", "--stack", "prod", "--json", "--program", "bench/fixtures/bare-program.ts"]));
const ratio = median(prod) / median(bare);
console.log(`offline plan, whole process, median of ${runs} runs`);
console.log(`  prod (index.ts):        ${fmt(median(prod))}  (min ${fmt(Math.min(...prod))}, max ${fmt(Math.max(...prod))})`);
console.log(`  bare program:           ${fmt(median(bare))}  (min ${fmt(Math.min(...bare))}, max ${fmt(Math.max(...bare))})`);
console.log(`  ratio prod/bare:        ${ratio.toFixed(2)}x  (target <= 1.30x)`);
