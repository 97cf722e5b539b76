import { spawnSync } from "node:child_process";
import * as fs from "node:fs";

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * CPU seconds (user + system) used so far by this process's waited-for children and theirs, from
 * /proc/self/stat (Linux; undefined elsewhere). Less noisy than wall time on a shared machine.
 */
export function childrenCpuSeconds(): number | undefined {
  try {
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 16 and 17 of proc(5) (cutime, cstime), counted from the state field (3).
    return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
/** USER_HZ, 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS = 100;

/** Wall-clock and CPU seconds of one whole process run; throws if it fails. */
export function measureProcess(command: string, args: string[]): { wall: number; cpu: number | undefined } {
  const cpuBefore = childrenCpuSeconds();
  const wall = timeProcess(command, args);
  const cpuAfter = childrenCpuSeconds();
  return { wall, cpu: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore };
}

/** Wall-clock seconds of one whole process run; throws if it fails. */
export function timeProcess(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd?: string): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ["ignore", "ignore", "pipe"], env, encoding: "utf8", cwd });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status}): ${result.stderr}`);
  return seconds;
}

/** Runs `fn` once to warm caches, then `runs` times; returns the samples. */
export function sample(runs: number, fn: () => number): number[] {
  fn();
  return Array.from({ length: runs }, fn);
}

export const fmt = (seconds: number) => `${seconds.toFixed(3)} s`;
