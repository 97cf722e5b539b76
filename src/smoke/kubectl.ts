import type { RunResult } from "./checks";

/**
 * Runs `kubectl` from PATH (with `--context` when given). Never rejects: a missing binary or a
 * timeout comes back as a non-zero code with the reason in stderr, so a check can report it.
 */
export function kubectlRunner(options: { context?: string; timeoutMs?: number } = {}): (args: string[]) => Promise<RunResult> {
  const prefix = options.context ? ["--context", options.context] : [];
  return (args) =>
    new Promise((resolve) => {
      // Required on first use, keeping the CLI's start-up light.
      const { execFile } = require("node:child_process") as typeof import("node:child_process");
      execFile("kubectl", [...prefix, ...args], { timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (!err) return resolve({ code: 0, stdout, stderr });
        const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean };
        if (e.code === "ENOENT") return resolve({ code: 127, stdout: "", stderr: "kubectl not found on PATH" });
        if (e.killed) return resolve({ code: 124, stdout, stderr: `kubectl ${args[0]} timed out after ${options.timeoutMs ?? 60_000} ms` });
        resolve({ code: typeof e.code === "number" ? e.code : 1, stdout, stderr: stderr || e.message });
      });
    });
}
