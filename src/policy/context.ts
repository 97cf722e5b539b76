import type { PolicyContext } from "./resource";

const DEFAULT_APPS_NAMESPACE = "apps";

/**
 * The policy context from a stack's config values, keyed `<project>:<key>` as the engine hands
 * them to programs and policy packs (pulumi.runtime.allConfig()) and as `oceanid plan` resolves them.
 */
export function policyContextFromConfig(values: Readonly<Record<string, string>>): PolicyContext {
  const get = (key: string) => Object.entries(values).find(([fullKey]) => fullKey.endsWith(`:${key}`))?.[1];
  const egressPublicIp = get("egress.publicIp")?.trim();
  return { ...(egressPublicIp ? { egressPublicIp } : {}), appsNamespace: get("labelStudio.namespace")?.trim() || DEFAULT_APPS_NAMESPACE };
}
