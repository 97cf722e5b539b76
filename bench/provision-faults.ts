/*
 * Issue 14's acceptance run: 50 consecutive seeded runs of `provision --all` over 20 projects
 * against the fake Label Studio answering 30% of requests with a transient fault (429 with
 * Retry-After, 500, and for writes a 500 or a lost answer after the write took effect), on a
 * real s3rver. Prints each run's requests, faults and time, then the totals; exits 1 unless
 * every run converged with exactly one import and one export storage per project.
 */
import { faultyRun } from "../tests/labelStudioStorage/faultyRuns";
import { LEGACY_TOKEN, startWorld } from "../tests/labelStudioStorage/world";

const RUNS = Number(process.env.RUNS ?? 50);
const PROJECTS = 20;

async function main(): Promise<void> {
  const world = await startWorld({ legacyToken: LEGACY_TOKEN }, { store: "memory" });
  let converged = 0;
  const problems: string[] = [];
  let requests = 0;
  let faults = 0;
  const started = performance.now();
  try {
    for (let seed = 1; seed <= RUNS; seed++) {
      const run = await faultyRun(world, seed, PROJECTS);
      requests += run.requests;
      faults += run.faults;
      problems.push(...run.problems);
      if (run.problems.length === 0) converged++;
      console.log(`seed ${seed}: ${run.requests} requests, ${run.faults} faults, ${(run.ms / 1000).toFixed(2)} s${run.problems.length ? `, ${run.problems.length} problem(s)` : ""}`);
    }
  } finally {
    await world.close();
  }
  const afterEffect = world.ls.server.faultLog.filter((f) => f.endsWith("after effect")).length;
  console.log(
    `${converged}/${RUNS} runs of ${PROJECTS} projects converged with no duplicate storage; ${requests} requests, ${faults} faults ` +
      `(${((100 * faults) / requests).toFixed(1)}%, ${afterEffect} after the request took effect), ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  for (const problem of problems) console.log(`  ${problem}`);
  if (converged !== RUNS) process.exitCode = 1;
}

void main();
