import { isRecord, UnknownValue, type PolicyResource, type PropertyPath } from "./resource";

/** A resource as `oceanid plan --json` prints it (src/plan/mockRuntime.ts). */
export interface PlannedResource {
  type: string;
  name: string;
  parent: string | null;
  provider: string | null;
  inputs: Record<string, unknown>;
}

export interface SavedPlan {
  stack: string;
  resources: PlannedResource[];
}

const SECRET_MARKER = "[secret]";
const UNKNOWN_MARKER = "[unknown]";

/**
 * Adapts a saved plan to the policies' resource shape: `[secret]` markers answer isSecret, and
 * reading an `[unknown]` value throws, as CrossGuard's proxy does for values unknown in a preview.
 */
export function planResources(plan: SavedPlan): PolicyResource[] {
  const providers = new Map(plan.resources.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => [r.name, r]));
  return plan.resources.map((r) => {
    const provider = r.provider === null ? undefined : providers.get(r.provider);
    return {
      type: r.type,
      name: r.name,
      props: guardUnknowns(r.inputs, []) as Record<string, unknown>,
      ...(provider ? { provider: { type: provider.type, name: provider.name, props: guardUnknowns(provider.inputs, []) as Record<string, unknown> } } : {}),
      isSecret: (path: PropertyPath) => secretAt(r.inputs, path),
    };
  });
}

/** A value is secret when it, or any value enclosing it, was masked. */
function secretAt(value: unknown, path: PropertyPath): boolean {
  let current = value;
  for (const key of path) {
    if (current === SECRET_MARKER) return true;
    if (!isRecord(current) && !Array.isArray(current)) return false;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current === SECRET_MARKER;
}

function guardUnknowns(value: unknown, path: PropertyPath): unknown {
  if (!isRecord(value) && !Array.isArray(value)) return value;
  return new Proxy(value, {
    get(target, key, receiver) {
      const child = Reflect.get(target, key, receiver) as unknown;
      if (typeof key !== "string") return child;
      const childPath = [...path, Array.isArray(target) && /^\d+$/.test(key) ? Number(key) : key];
      if (child === UNKNOWN_MARKER) throw new UnknownValue(childPath);
      const descriptor = Object.getOwnPropertyDescriptor(target, key);
      if (descriptor && !descriptor.configurable && !descriptor.writable) return child;
      return guardUnknowns(child, childPath);
    },
  });
}

/** Whether the plan was printed with secrets masked (no --show-secrets); secret checks need that. */
export function hasSecretMarkers(plan: SavedPlan): boolean {
  return JSON.stringify(plan.resources).includes(`"${SECRET_MARKER}"`);
}
