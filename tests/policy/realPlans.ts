import { findResource, planJson, repoRoot, type PlanJson, type PlannedResource } from "../harness/cli";
import { resolveStackConfig } from "../../src/plan/stackConfig";
import { policyContextFromConfig } from "../../src/policy/context";
import { evaluate, type Violation } from "../../src/policy/evaluate";
import { planResources } from "../../src/policy/plan";
import type { PolicyContext } from "../../src/policy/resource";

export type StackName = "prod" | "staging";

const plans = new Map<StackName, Promise<PlanJson>>();

/** The real plan of a stack (`oceanid plan --json`), made once per test file. */
export function realPlan(stack: StackName): Promise<PlanJson> {
  if (!plans.has(stack)) plans.set(stack, planJson(["--stack", stack]));
  return plans.get(stack)!;
}

const contexts = new Map<StackName, PolicyContext>();

/** The policy context from the stack's real config (its ESC environments), resolved once. */
export function realContext(stack: StackName): PolicyContext {
  if (!contexts.has(stack)) contexts.set(stack, policyContextFromConfig(resolveStackConfig({ root: repoRoot, stack }).values));
  return contexts.get(stack)!;
}

/** A deep copy of the plan with one resource's inputs edited. */
export function mutated(plan: PlanJson, type: string, name: string, edit: (inputs: any, resource: PlannedResource) => void): PlanJson {
  const copy = structuredClone(plan);
  const resource = findResource(copy, type, name);
  edit(resource.inputs, resource);
  return copy;
}

export function violationsOf(plan: PlanJson, stack: StackName): Violation[] {
  return evaluate(planResources(plan), realContext(stack)).violations;
}
