import { provision } from "../../src/labelStudioStorage/reconcile";
import { seededRandom, type RandomFaults } from "../harness/http";
import { FAST_RETRY, type World } from "./world";

/**
 * Issue 14's scenario: 30% of requests fail — 429 with Retry-After, 500 before anything
 * happened, and, for a write, 500 or a lost answer after it took effect.
 */
export const TRANSIENT_FAULTS = (seed: number): RandomFaults => ({
  seed,
  faults: [
    { probability: 0.1, fault: { kind: "status", status: 429, headers: { "retry-after": "1" }, body: { detail: "Request was throttled." } } },
    { probability: 0.1, fault: { kind: "status", status: 500, body: { detail: "Server Error (500)" } } },
    { probability: 0.05, fault: { kind: "status", status: 500, body: { detail: "Server Error (500)" }, afterEffect: true } },
    { probability: 0.05, fault: { kind: "reset", afterEffect: true } },
  ],
});

export interface FaultyRun {
  /** Every way the run fell short: errors, missing or duplicate storages, an import never synced. */
  problems: string[];
  requests: number;
  faults: number;
  ms: number;
}

/**
 * One `provision --all` over `count` new projects with the seeded faults, then a check of what
 * Label Studio holds; the projects are deleted after it, so the next run starts clean.
 */
export async function faultyRun(world: World, seed: number, count = 20): Promise<FaultyRun> {
  const projects = Array.from({ length: count }, (_, i) => world.ls.addProject(`Seed ${seed} project ${i + 1}`));
  const faultsBefore = world.ls.server.faultLog.length;
  world.ls.server.randomFaults(TRANSIENT_FAULTS(seed));
  // Retry-After: 1 is capped to 20 ms, so runs take a fraction of a second, not a minute. The
  // budget is generous: these runs are about converging without duplicates, not about time.
  const retry = { ...FAST_RETRY, budgetMs: 30_000, maxRetryAfterMs: 20, random: seededRandom(seed) };
  const started = performance.now();
  const report = await provision(world.context({ retry }), { projects: "all" });
  const ms = performance.now() - started;
  world.ls.server.randomFaults(undefined);
  const problems = report.errors.map((e) => `seed ${seed}: ${e.message}`);
  for (const { id } of projects) {
    for (const direction of ["import", "export"] as const) {
      const found = world.ls.storages(direction, id).length;
      if (found !== 1) problems.push(`seed ${seed}: project ${id} has ${found} ${direction} storages`);
    }
    if (!world.ls.storages("import", id)[0]?.fields.last_sync) problems.push(`seed ${seed}: project ${id}'s import storage was never synced`);
    world.ls.deleteProject(id);
  }
  return { problems, requests: report.requests, faults: world.ls.server.faultLog.length - faultsBefore, ms };
}
