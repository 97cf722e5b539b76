import * as path from "node:path";
import * as readline from "node:readline";

export interface EmbeddedPostgresInfo {
  host: string;
  port: number;
  user: string;
  password: string;
  /** With TLS: the server's copy of the CA certificate, deleted with the server. */
  caFile?: string;
}

export interface EmbeddedPostgresOptions {
  /** Serve TLS with this certificate and key (PEM files); the CA file, if given, is copied beside them. */
  tls?: { certFile: string; keyFile: string; caFile?: string };
  /** pg_hba.conf lines placed before the default `host all all 127.0.0.1/32 scram-sha-256`. */
  hba?: string[];
}

export interface EmbeddedPostgres {
  info: EmbeddedPostgresInfo;
  /** URL of `database` on this server, as the superuser, without TLS. */
  url(database: string): string;
  stop(): Promise<void>;
}

/** URL of `database` as `user`; `query` holds libpq parameters such as sslmode and sslrootcert. */
export function serverUrl({ host, port, user, password }: EmbeddedPostgresInfo, database: string, query: Record<string, string> = { sslmode: "disable" }): string {
  const params = new URLSearchParams(query).toString();
  return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${encodeURIComponent(database)}${params ? `?${params}` : ""}`;
}

/**
 * Starts a throw-away Postgres (scram-sha-256 passwords) in a child process, postgres-server.cjs,
 * which works as root from a private checkout and deletes everything it made when it stops.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  // Required on first use, keeping the CLI's start-up light.
  const { spawn } = require("node:child_process") as typeof import("node:child_process");
  const child = spawn(process.execPath, [path.join(__dirname, "postgres-server.cjs"), JSON.stringify(options)], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    process.stderr.write(chunk);
  });
  const info = await new Promise<EmbeddedPostgresInfo>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once("line", (line) => resolve(JSON.parse(line) as EmbeddedPostgresInfo));
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`embedded Postgres exited with ${code} before it was ready: ${stderr.trim() || "no output"}`)));
  });
  return {
    info,
    url: (database) => serverUrl(info, database),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.stdin.end();
      await exited;
    },
  };
}
