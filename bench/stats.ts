import { spawnSync } from "node:child_process";

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
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
