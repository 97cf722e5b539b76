// Start-up of the `oceanid` CLI (`oceanid migrate --help`: no command work, all start-up), whole
// process, against two baselines we did not write: `node -e 0` (Node's own start) and plain node
// running the same entry, src/cli/main.ts, from source through tsx. Keeps bin/cli-bundle.cjs's
// claimed gain honest: the bundle should cost a fraction of tsx's overhead above bare Node.
import * as path from "node:path";
import { fmt, median, timeProcess } from "./stats";

const root = path.resolve(__dirname, "..");
const runs = Number(process.env.BENCH_RUNS ?? 9);
const node = process.env.BENCH_NODE ?? process.execPath;
const helpArgv = JSON.stringify(["node", "oceanid", "migrate", "--help"]);

const variants = {
  "node -e 0": () => timeProcess(node, ["-e", "0"]),
  "tsx, from source": () => timeProcess(node, ["--require", "tsx/cjs", "-e", `require(${JSON.stringify(path.join(root, "src", "cli", "main.ts"))}).main(${helpArgv})`], { ...process.env }, root),
  "bin/oceanid.cjs (bundle)": () => timeProcess(node, [path.join(root, "bin", "oceanid.cjs"), "migrate", "--help"]),
};
const samples = new Map<string, number[]>(Object.keys(variants).map((name) => [name, []]));
for (const run of Object.values(variants)) run(); // warm: builds the bundle and its code cache
for (let i = 0; i < runs; i++) for (const [name, run] of Object.entries(variants)) samples.get(name)!.push(run());

const m = (name: string) => median(samples.get(name)!);
console.log(`oceanid CLI start-up (migrate --help), whole process, median of ${runs} alternating runs`);
for (const name of samples.keys()) console.log(`  ${name.padEnd(26)} ${fmt(m(name))}`);
const bare = m("node -e 0");
const tsxOverhead = m("tsx, from source") - bare;
const bundleOverhead = m("bin/oceanid.cjs (bundle)") - bare;
console.log(`  above node -e 0: tsx ${fmt(tsxOverhead)}, bundle ${fmt(bundleOverhead)} (${((bundleOverhead / tsxOverhead) * 100).toFixed(0)}% of tsx's; target <= 50%)`);
