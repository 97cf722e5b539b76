import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";
import type { TestProject } from "vitest/node";

export interface PostgresServerInfo {
  host: string;
  port: number;
  user: string;
  password: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    postgres: PostgresServerInfo;
  }
}

let child: ChildProcess | undefined;

/** Starts one embedded Postgres per test run, in a child process (see postgres-server.cjs). */
export async function setup(project: TestProject): Promise<void> {
  child = spawn(process.execPath, [path.join(__dirname, "postgres-server.cjs")], { stdio: ["pipe", "pipe", "inherit"] });
  const info = await new Promise<PostgresServerInfo>((resolve, reject) => {
    const lines = readline.createInterface({ input: child!.stdout! });
    lines.once("line", (line) => resolve(JSON.parse(line) as PostgresServerInfo));
    child!.once("exit", (code) => reject(new Error(`embedded postgres exited with ${code} before it was ready`)));
  });
  project.provide("postgres", info);
}

export async function teardown(): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child!.once("exit", resolve));
  child.stdin?.end();
  await exited;
}
