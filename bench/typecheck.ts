// Type-check of the whole project (src, tests, bench, index.ts) with the native TypeScript
// compiler, as `npm run typecheck` runs it. Target: at most 2 s on the 2-core machine.
import * as path from "node:path";
import { fmt, median, sample, timeProcess } from "./stats";

const root = path.resolve(__dirname, "..");
const runs = Number(process.env.BENCH_RUNS ?? 7);
const tsgo = path.join(root, "node_modules", ".bin", "tsgo");
const tsc = path.join(root, "node_modules", ".bin", "tsc");
const project = ["-p", path.join(root, "tsconfig.json"), "--noEmit"];

const native = sample(runs, () => timeProcess(tsgo, project));
console.log(`type-check, whole process, median of ${runs} runs`);
console.log(`  tsgo (TypeScript 7 native): ${fmt(median(native))}  (min ${fmt(Math.min(...native))}, max ${fmt(Math.max(...native))}; target <= 2 s)`);
if (process.env.BENCH_TSC) {
  const classic = sample(Math.min(runs, 3), () => timeProcess(tsc, project));
  console.log(`  tsc 5.9 (for comparison):   ${fmt(median(classic))}`);
}
