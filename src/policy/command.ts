import * as fs from "node:fs";
import type { Command } from "commander";
import { UsageError } from "../cli/errors";
import type { StackConfigSource } from "../plan/stackConfig";
import type { SavedPlan } from "./plan";

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerPolicyCommand(program: Command): void {
  const policy = program.command("policy").description("Policy pack (policy/): the same policies `pulumi preview --policy-pack policy` runs, offline");
  policy
    .command("check")
    .description("Check a saved `oceanid plan --json` against the policies; exit 1 on a mandatory violation")
    .argument("<file>", "plan JSON written by `oceanid plan --json` (without --show-secrets)")
    .option("--stack <name>", "stack whose config (egress.publicIp, labelStudio.namespace) the policies use; default: the plan's stack")
    .option("--env-file <file>", "ESC definition or `esc env open --format json` output to use instead of the stack's imports (repeatable, later wins)", collect, [])
    .action((file: string, options: { stack?: string; envFile: string[] }) => {
      const plan = readPlan(file);
      process.exitCode = checkPlanPolicies(plan, { root: process.cwd(), stack: options.stack ?? plan.stack, envFiles: options.envFile }, process.stdout);
    });
}

/**
 * Runs the policies over a plan with the context from its stack's config and prints the result;
 * returns the exit status (1 on a mandatory violation). Shared by `policy check` and `plan --policy`.
 */
export function checkPlanPolicies(plan: SavedPlan, source: StackConfigSource, out: { write(text: string): unknown }): number {
  const { resolveStackConfig } = require("../plan/stackConfig") as typeof import("../plan/stackConfig");
  const { EscError } = require("../plan/esc") as typeof import("../plan/esc");
  const { policyContextFromConfig } = require("./context") as typeof import("./context");
  const { evaluate, formatEvaluation } = require("./evaluate") as typeof import("./evaluate");
  const { planResources, hasSecretMarkers } = require("./plan") as typeof import("./plan");
  if (!hasSecretMarkers(plan)) {
    throw new UsageError(
      "the plan holds no [secret] values: it was printed with --show-secrets, or nothing in the stack is secret (the kubeconfig must be); the secret checks need a plan made without --show-secrets",
    );
  }
  let values: Record<string, string>;
  try {
    values = resolveStackConfig(source).values;
  } catch (err) {
    if (err instanceof EscError) throw new UsageError(`reading stack ${source.stack}'s config for the policies: ${err.message}`);
    throw err;
  }
  const evaluation = evaluate(planResources(plan), policyContextFromConfig(values));
  out.write(`${formatEvaluation(evaluation)}\n`);
  return evaluation.mandatory > 0 ? 1 : 0;
}

function readPlan(file: string): SavedPlan {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not JSON (${(err as Error).message}); write it with \`oceanid plan --json --stack <stack> > ${file}\``);
  }
  const plan = parsed as Partial<SavedPlan>;
  const badResource = Array.isArray(plan.resources)
    ? plan.resources.findIndex((r) => typeof r?.type !== "string" || typeof r?.name !== "string" || typeof r?.inputs !== "object" || r.inputs === null)
    : -1;
  if (typeof plan.stack !== "string" || !Array.isArray(plan.resources) || badResource >= 0) {
    const where = badResource >= 0 ? `resources[${badResource}] lacks type, name or inputs` : "it lacks stack or resources";
    throw new UsageError(`${file} is not an \`oceanid plan --json\` plan: ${where}`);
  }
  return plan as SavedPlan;
}
