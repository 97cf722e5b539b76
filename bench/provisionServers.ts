import { spawn } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";

/** A process's CPU milliseconds and, for the servers, the share of the time its event loop was busy. */
export interface Usage {
  cpuMs: number;
  loop?: number;
}

/** A server child process (provision-server.ts): its first stdout line, then one JSON line per command. */
export async function startServer<T>(...args: string[]) {
  const child = spawn(process.execPath, ["--require", "tsx/cjs", path.join(__dirname, "provision-server.ts"), ...args], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async <U>() => JSON.parse((await lines.next()).value as string) as U;
  const ready = await next<T>();
  return {
    ready,
    stats: <U>() => {
      child.stdin!.write("stats\n");
      return next<Usage & U>();
    },
    /** Label Studio only: new projects, no storages. */
    reset: async () => {
      child.stdin!.write("reset\n");
      await next();
    },
    stop: () => void child.stdin!.end(),
  };
}
