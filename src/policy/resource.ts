/**
 * The shape every policy reads: one resource as CrossGuard (`@pulumi/policy`) hands it to a
 * policy and as `oceanid plan --json` records it. Adapters in ../../policy/index.ts (the pack)
 * and ./plan.ts (offline) build it; the policies never see either source directly.
 */
export type PropertyPath = readonly (string | number)[];

export interface PolicyResource {
  type: string;
  name: string;
  urn?: string;
  props: Record<string, unknown>;
  /** The explicit provider serving the resource, with its inputs. */
  provider?: { type: string; name: string; props: Record<string, unknown> };
  /**
   * Whether the value at `path` is a Pulumi secret. Absent where the source cannot tell:
   * CrossGuard unwraps secrets before a policy sees them, the offline plan keeps `[secret]`.
   */
  isSecret?: (path: PropertyPath) => boolean;
}

/** What the policies need from stack config; adapters read it from the stack (context.ts). */
export interface PolicyContext {
  /** Public IPv4 address of the egress node (egress.publicIp); undefined when the config lacks it. */
  egressPublicIp?: string;
  /** Namespace of Label Studio and the app workloads (labelStudio.namespace). */
  appsNamespace: string;
}

export type EnforcementLevel = "mandatory" | "advisory";

/** Reports one violation: what is wrong, and how to fix it. */
export type ReportResource = (message: string, fix: string) => void;
/** Stack policies name the offending resource, or none when the stack as a whole is wrong. */
export type ReportStack = (resource: PolicyResource | undefined, message: string, fix: string) => void;

interface PolicyBase {
  name: string;
  description: string;
  enforcementLevel: EnforcementLevel;
}

export interface ResourcePolicy extends PolicyBase {
  validateResource: (resource: PolicyResource, context: PolicyContext, report: ReportResource) => void;
}

export interface StackPolicy extends PolicyBase {
  validateStack: (resources: readonly PolicyResource[], context: PolicyContext, report: ReportStack) => void;
}

export type OceanidPolicy = ResourcePolicy | StackPolicy;

export function isStackPolicy(policy: OceanidPolicy): policy is StackPolicy {
  return "validateStack" in policy;
}

/**
 * Thrown by a policy that cannot judge a resource from what its source shows (e.g. secret-ness
 * under CrossGuard, which unwraps secrets). The pack turns it into `args.notApplicable`.
 */
export class NotApplicable extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "NotApplicable";
  }
}

/** Thrown when a policy reads a value only known after apply; the pack's proxy does the same. */
export class UnknownValue extends Error {
  constructor(readonly path: PropertyPath) {
    super(`the value at ${formatPath(path)} is unknown until apply`);
    this.name = "UnknownValue";
  }
}

export function formatPath(path: PropertyPath): string {
  return path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("") || ".";
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Reads a nested property; undefined when any step is missing. */
export function at(value: unknown, path: PropertyPath): unknown {
  let current = value;
  for (const key of path) {
    if (Array.isArray(current) && typeof key === "number") current = current[key];
    else if (isRecord(current) && typeof key === "string") current = current[key];
    else return undefined;
  }
  return current;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
