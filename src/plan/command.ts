import * as path from "node:path";
import { Option, type Command } from "commander";
import { UsageError } from "../cli/errors";
import { findProjectRoot } from "./projectRoot";

interface PlanFlags {
  stack: string;
  program: string;
  json?: boolean;
  full?: boolean;
  diffBase?: string;
  showSecrets?: boolean;
  policy?: boolean;
}

export function registerPlanCommand(program: Command): void {
  // --esc-file and its old spelling --env-file feed one list, in the order given (later wins).
  const escFiles: string[] = [];
  const command = program
    .command("plan")
    .description("Offline plan: resolve the stack's ESC config and print a summary of the resources a preview would register (no cloud, no Pulumi CLI)")
    .option("--stack <name>", "stack whose Pulumi.<stack>.yaml to plan", "prod")
    .option("--esc-file <file>", "ESC definition (YAML) or `esc env open --format json` output to use instead of the stack's imports (repeatable, later wins)")
    // Node 20, 22 and 24 read `--env-file` anywhere on their command line, even after the script:
    // a missing file stops node before oceanid runs, an existing one may set NODE_OPTIONS. The old
    // spelling still works where node lets it through (the file exists), with a note.
    .addOption(new Option("--env-file <file>", "old spelling of --esc-file").hideHelp())
    .option("--full", "print every resource with all its inputs after the summary")
    .option("--diff-base <ref-or-file>", "print what changed against a git ref of this checkout or a saved `oceanid plan --json` file: resources added, removed and modified, input by input (secrets masked)")
    .option("--json", "print { stack, resources: [{ type, name, parent, provider, inputs }], warnings, outputs }")
    .option("--show-secrets", "print secret values instead of [secret] (never in CI logs)")
    .option("--policy", "then check the plan against the policy pack (report on stderr); exit 1 on a mandatory violation")
    .option("--program <file>", "program entry point, relative to the project root", "index.ts")
    .on("option:esc-file", (file: string) => escFiles.push(file))
    .on("option:env-file", (file: string) => {
      process.stderr.write("oceanid: note: --env-file is also read by node itself (a missing file stops node before oceanid runs); use --esc-file\n");
      escFiles.push(file);
    });
  command.action((flags: PlanFlags) => runPlanCommand(flags, escFiles));
}

async function runPlanCommand(flags: PlanFlags, escFiles: string[]): Promise<void> {
  if (flags.diffBase !== undefined && flags.showSecrets) throw new UsageError("--diff-base compares masked plans; drop --show-secrets");
  if (flags.diffBase !== undefined && flags.json) throw new UsageError("--diff-base prints a diff; drop --json (save a plan with --json first, then pass it to --diff-base)");
  const root = findProjectRoot(process.cwd());
  // Required lazily so other subcommands do not pay for loading the Pulumi SDK.
  const { runPlan, formatPlan, formatSummary } = require("./plan") as typeof import("./plan");
  const { ConfigError } = require("../config") as typeof import("../config");
  const { EscError } = require("./esc") as typeof import("./esc");
  // A program whose promises never settle lets Node exit 0 with nothing printed; make that a failure.
  let finished = false;
  process.once("beforeExit", () => {
    if (finished) return;
    process.stderr.write("oceanid: the program never finished: an output or resource never resolved (nothing was printed)\n");
    process.exitCode = 1;
  });
  try {
    const escPaths = escFiles.map((f) => path.resolve(f));
    // The program runs in the project folder, as `pulumi up` runs it (it reads sql/migrations).
    process.chdir(root);
    const base =
      flags.diffBase === undefined ? undefined : (require("./diffBase") as typeof import("./diffBase")).loadBasePlan({ base: flags.diffBase, root, stack: flags.stack, escFiles: escPaths });
    // The base (a child process for a git ref) is planned while this one runs.
    const [plan, basePlan] = await Promise.all([runPlan({ root, stack: flags.stack, envFiles: escPaths, program: flags.program, showSecrets: flags.showSecrets }), base?.plan]);
    if (base && basePlan) {
      const { diffPlans, formatDiff } = require("./diff") as typeof import("./diff");
      process.stdout.write(`${formatDiff(diffPlans(basePlan, plan), base.label)}\n`);
    } else if (flags.json) {
      // In the JSON too, but stdout is often a file: the warnings also go where a person sees them.
      for (const warning of plan.warnings) process.stderr.write(`warning: ${warning}\n`);
      process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
    } else {
      process.stdout.write(`${formatSummary(plan)}\n${flags.full ? `\n${formatPlan(plan)}` : `\nEvery input of every resource: oceanid plan --stack ${flags.stack} --full`}\n`);
    }
    finished = true;
    if (flags.policy) {
      const { checkPlanPolicies } = require("../policy/command") as typeof import("../policy/command");
      process.exitCode = checkPlanPolicies(plan, { root, stack: flags.stack, envFiles: escPaths }, process.stderr);
    }
  } catch (err) {
    finished = true;
    if (err instanceof ConfigError || err instanceof EscError) throw new UsageError(err.message);
    throw err;
  }
}
