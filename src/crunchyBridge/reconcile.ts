import type { CrunchyBridgeClient } from "./client";
import { planReconcile, planRelease, sortRules, toLiveRule, type DesiredRule, type LiveRule, type ReconcilePlan, type ReleasePlan } from "./plan";

export interface ReconcileResult {
  plan: ReconcilePlan;
  /** The allowlist after the changes (what a fresh GET would show, barring concurrent edits). */
  live: LiveRule[];
  /** Owned ids still present plus the ids of the rules created now. */
  owned: string[];
}

export async function listLiveRules(client: CrunchyBridgeClient, networkId: string): Promise<LiveRule[]> {
  return sortRules((await client.listFirewallRules(networkId)).map(toLiveRule));
}

/**
 * One GET, then the plan, then the changes strictly in this order: create every missing rule,
 * fix descriptions, and only then delete. If any create fails nothing is deleted, so the
 * allowlist never passes through a state without a desired rule.
 */
export async function reconcileNetwork(
  client: CrunchyBridgeClient,
  networkId: string,
  desired: DesiredRule[],
  options: { prune: boolean; owned?: string[] },
): Promise<ReconcileResult> {
  const live = await listLiveRules(client, networkId);
  const plan = planReconcile({ live, desired, prune: options.prune, owned: options.owned });
  const owned = new Set(plan.keep.filter((r) => options.owned?.includes(r.id)).map((r) => r.id));
  const created: LiveRule[] = [];
  for (const rule of plan.add) {
    const made = toLiveRule(await client.createFirewallRule(networkId, rule.cidr, rule.description ?? null));
    created.push(made);
    owned.add(made.id);
  }
  const described = new Map<string, LiveRule>();
  for (const rule of plan.describe) {
    described.set(rule.id, toLiveRule(await client.updateFirewallRuleDescription(networkId, rule.id, rule.to)));
  }
  for (const rule of plan.remove) await client.deleteFirewallRule(networkId, rule.id);
  const kept = plan.keep.map((r) => described.get(r.id) ?? r);
  return { plan, live: sortRules([...kept, ...created]), owned: [...owned].sort() };
}

/** Deletes this owner's rules (never the last one standing); rules already gone count as done. */
export async function releaseNetwork(client: CrunchyBridgeClient, networkId: string, owned: readonly string[] | undefined): Promise<ReleasePlan> {
  const plan = planRelease(await listLiveRules(client, networkId), owned);
  for (const rule of plan.remove) await client.deleteFirewallRule(networkId, rule.id);
  return plan;
}
