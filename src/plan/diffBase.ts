import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { UsageError } from "../cli/errors";
import type { Plan } from "./plan";

/** A plan's JSON is a few hundred kB; execFile's default cap is 1 MiB. */
const PLAN_OUTPUT_LIMIT = 64 * 1024 * 1024;

export interface BaseSource {
  /** A saved `oceanid plan --json` file, or a git ref (branch, tag, commit) of this checkout. */
  base: string;
  root: string;
  stack: string;
  escFiles: string[];
}

/**
 * The plan to compare against, with a label saying where it came from. A bad --diff-base fails
 * here, at once; only a commit's plan is left to wait for.
 */
export function loadBasePlan(source: BaseSource): { label: string; plan: Promise<Plan> } {
  const file = path.resolve(source.base);
  if (fs.existsSync(file) && fs.statSync(file).isFile()) return { label: source.base, plan: Promise.resolve(readSavedPlan(file, source.stack)) };
  const commit = gitCommit(source.root, source.base);
  return { label: `${source.base} (${commit.slice(0, 12)})`, plan: planOfCommit(source, commit) };
}

function readSavedPlan(file: string, stack: string): Plan {
  let plan: Partial<Plan>;
  try {
    plan = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<Plan>;
  } catch (err) {
    throw new UsageError(`--diff-base ${file}: not valid JSON (${(err as Error).message}); save a plan with \`oceanid plan --stack ${stack} --json > FILE\``);
  }
  if (typeof plan !== "object" || plan === null || !Array.isArray(plan.resources) || typeof plan.stack !== "string") {
    throw new UsageError(`--diff-base ${file}: not the output of \`oceanid plan --json\` (no stack and resources)`);
  }
  if (plan.secretsShown) throw new UsageError(`--diff-base ${file}: saved with --show-secrets; a diff only compares masked plans, so save it again without --show-secrets`);
  if (plan.stack !== stack) throw new UsageError(`--diff-base ${file}: a plan of stack ${plan.stack}, not ${stack}; pass --stack ${plan.stack} or a plan of ${stack}`);
  return { stack: plan.stack, resources: plan.resources, warnings: plan.warnings ?? [], outputs: plan.outputs ?? {} };
}

function git(root: string, args: string[]): string {
  return execFileSync("git", ["-C", root, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

function gitCommit(root: string, ref: string): string {
  try {
    return git(root, ["rev-parse", "--verify", "--end-of-options", `${ref}^{commit}`]);
  } catch {
    throw new UsageError(`--diff-base ${ref}: neither a saved plan file nor a commit of the git repository at ${root}`);
  }
}

/**
 * Plans `commit` as its own checkout would: its tree is extracted (git archive) into a temporary
 * folder that reuses this checkout's node_modules, and its own `oceanid plan --json` runs there.
 */
async function planOfCommit(source: BaseSource, commit: string): Promise<Plan> {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), "oceanid-diff-base-"));
  try {
    const tree = path.join(temp, "tree");
    fs.mkdirSync(tree);
    const archive = path.join(temp, "tree.tar");
    git(source.root, ["archive", "--format=tar", "-o", archive, commit]);
    execFileSync("tar", ["-xf", archive, "-C", tree], { stdio: ["ignore", "ignore", "pipe"] });
    const projectDir = path.join(tree, git(source.root, ["rev-parse", "--show-prefix"]));
    fs.symlinkSync(path.join(source.root, "node_modules"), path.join(projectDir, "node_modules"), "dir");
    // `--` first, or node reads --env-file itself (see src/plan/command.ts); the old spelling is the
    // one every revision of the CLI knows.
    const args = ["--", path.join(projectDir, "bin", "oceanid.cjs"), "plan", "--stack", source.stack, "--json", ...source.escFiles.flatMap((f) => ["--env-file", f])];
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)(process.execPath, args, { cwd: projectDir, env: { ...process.env, OCEANID_CLI_CACHE: path.join(temp, "cache") }, maxBuffer: PLAN_OUTPUT_LIMIT }));
    } catch (err) {
      const { code, stderr } = err as { code?: number | string; stderr?: string };
      throw new UsageError(`--diff-base ${source.base}: the plan of ${commit.slice(0, 12)} failed (exit ${code}):\n${(stderr ?? "").trimEnd()}`);
    }
    return readPlanText(stdout, source);
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

function readPlanText(text: string, source: BaseSource): Plan {
  const plan = JSON.parse(text) as Plan;
  return { ...plan, warnings: plan.warnings ?? [], stack: plan.stack ?? source.stack };
}
