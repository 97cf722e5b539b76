import type { Policies, PolicyResource as CrossGuardResource, ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { POLICIES } from "./policies";
import { isStackPolicy, NotApplicable, type OceanidPolicy, type PolicyContext, type PolicyResource } from "./resource";

/**
 * The policies as `@pulumi/policy` objects for policy/index.ts. CrossGuard hands a policy the
 * resource's inputs with secrets unwrapped (no isSecret) and values unknown in a preview behind a
 * proxy that throws; that error is left to CrossGuard, which reports it as advisory.
 */
export function crossGuardPolicies(context: () => PolicyContext, policies: readonly OceanidPolicy[] = POLICIES): Policies {
  return policies.map((policy) => {
    const common = { name: policy.name, description: policy.description, enforcementLevel: policy.enforcementLevel };
    if (isStackPolicy(policy)) {
      return {
        ...common,
        validateStack: (args, reportViolation) => {
          notApplicableTo(args, () => policy.validateStack(args.resources.map(fromCrossGuard), context(), (resource, message, fix) => reportViolation(violation(message, fix), resource?.urn)));
        },
      };
    }
    return {
      ...common,
      validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) =>
        notApplicableTo(args, () => policy.validateResource(fromCrossGuard(args), context(), (message, fix) => reportViolation(violation(message, fix)))),
    };
  });
}

function fromCrossGuard(resource: Pick<CrossGuardResource, "type" | "name" | "urn" | "props" | "provider">): PolicyResource {
  const provider = resource.provider;
  return { type: resource.type, name: resource.name, urn: resource.urn, props: resource.props, ...(provider ? { provider: { type: provider.type, name: provider.name, props: provider.props } } : {}) };
}

function violation(message: string, fix: string): string {
  return `${message}. Fix: ${fix}`;
}

function notApplicableTo(args: { notApplicable(reason?: string): never }, run: () => void): void {
  try {
    run();
  } catch (err) {
    if (err instanceof NotApplicable) args.notApplicable(err.reason);
    throw err;
  }
}
