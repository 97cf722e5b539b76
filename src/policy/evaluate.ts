import { POLICIES } from "./policies";
import { isStackPolicy, NotApplicable, UnknownValue, type EnforcementLevel, type OceanidPolicy, type PolicyContext, type PolicyResource } from "./resource";

export interface Violation {
  policy: string;
  enforcementLevel: EnforcementLevel;
  /** `type name` of the offending resource, or `stack` when the stack as a whole is wrong. */
  resource: string;
  message: string;
  fix: string;
}

export interface Evaluation {
  violations: Violation[];
  mandatory: number;
  advisory: number;
}

/**
 * Runs every policy over the resources, as the engine runs the pack: resource policies once per
 * resource, stack policies once. A policy that reads a value unknown until apply is reported as
 * advisory (CrossGuard does the same in a preview); one that cannot judge its input is skipped.
 */
export function evaluate(resources: readonly PolicyResource[], context: PolicyContext, policies: readonly OceanidPolicy[] = POLICIES): Evaluation {
  const violations: Violation[] = [];
  const label = (r: PolicyResource | undefined) => (r ? `${r.type} ${r.name}` : "stack");
  const guarded = (policy: OceanidPolicy, subject: PolicyResource | undefined, run: () => void) => {
    try {
      run();
    } catch (err) {
      if (err instanceof NotApplicable) return;
      if (!(err instanceof UnknownValue)) throw err;
      violations.push({ policy: policy.name, enforcementLevel: "advisory", resource: label(subject), message: `cannot be checked before apply: ${err.message}`, fix: "re-run the check once the value is known (after `pulumi up`)" });
    }
  };
  for (const policy of policies) {
    const push = (subject: PolicyResource | undefined, message: string, fix: string) =>
      violations.push({ policy: policy.name, enforcementLevel: policy.enforcementLevel, resource: label(subject), message, fix });
    if (isStackPolicy(policy)) {
      guarded(policy, undefined, () => policy.validateStack(resources, context, push));
    } else {
      for (const resource of resources) guarded(policy, resource, () => policy.validateResource(resource, context, (message, fix) => push(resource, message, fix)));
    }
  }
  const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory").length;
  return { violations, mandatory, advisory: violations.length - mandatory };
}

/** One line per violation: level, resource, policy, what is wrong, how to fix it; then a summary. */
export function formatEvaluation(evaluation: Evaluation): string {
  const lines = evaluation.violations.map((v) => `${v.enforcementLevel === "mandatory" ? "error" : "advisory"}: ${v.resource}: [${v.policy}] ${v.message}. Fix: ${v.fix}`);
  lines.push(`policy: ${evaluation.mandatory} mandatory violation(s), ${evaluation.advisory} advisory`);
  return lines.join("\n");
}
