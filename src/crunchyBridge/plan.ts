import { compareCidrs, normaliseCidr } from "./cidr";
import type { FirewallRule } from "./client";

/** A rule we want present. `description` undefined means "don't care" (the CLI leaves existing ones alone). */
export interface DesiredRule {
  cidr: string;
  description?: string | null;
}

/** A live rule with its CIDR in canonical form, so it compares equal to a normalised desired rule. */
export interface LiveRule {
  id: string;
  cidr: string;
  description: string | null;
}

export interface ReconcilePlan {
  /** Created first, before anything is removed. */
  add: DesiredRule[];
  /** Desired rules already present whose description differs (PATCHed in place). */
  describe: Array<LiveRule & { to: string | null }>;
  /** Deleted last, only once every desired rule exists. */
  remove: LiveRule[];
  /** Left in place (including the re-described ones). */
  keep: LiveRule[];
}

export interface PlanInput {
  live: LiveRule[];
  desired: DesiredRule[];
  /** Remove every live rule that is not desired, not just the ones we own. */
  prune: boolean;
  /** Ids of rules this owner created; those are removed once no longer desired. */
  owned?: string[];
}

/** Canonical form of a rule the API returned; left as-is if it doesn't parse, so it never matches by accident. */
export function toLiveRule(rule: FirewallRule): LiveRule {
  let cidr = rule.rule;
  try {
    cidr = normaliseCidr(rule.rule, { allowAnyAddress: true });
  } catch {
    // Keep the API's text: an unparsable rule is never "desired", so prune still sees it.
  }
  return { id: rule.id, cidr, description: rule.description };
}

/**
 * Current rules + desired rules → what to add, re-describe, remove and keep. Pure. Desired
 * rules must be non-empty: together with add-before-remove that is what guarantees the
 * allowlist is never emptied by a reconcile.
 */
export function planReconcile({ live, desired, prune, owned }: PlanInput): ReconcilePlan {
  if (desired.length === 0) throw new Error("refusing to reconcile to an empty allowlist: at least one rule must stay");
  const wanted = new Map(desired.map((d) => [d.cidr, d]));
  const matched = new Set<string>();
  const describe: ReconcilePlan["describe"] = [];
  const remove: LiveRule[] = [];
  const keep: LiveRule[] = [];
  for (const rule of sortRules(live)) {
    const want = wanted.get(rule.cidr);
    if (want && !matched.has(rule.cidr)) {
      matched.add(rule.cidr);
      keep.push(rule);
      if (want.description !== undefined && (want.description ?? "") !== (rule.description ?? "")) describe.push({ ...rule, to: want.description });
    } else if (prune || owned?.includes(rule.id)) {
      remove.push(rule);
    } else {
      keep.push(rule);
    }
  }
  const add = [...wanted.values()].filter((d) => !matched.has(d.cidr)).sort((a, b) => compareCidrs(a.cidr, b.cidr));
  return { add, describe, remove, keep };
}

export interface ReleasePlan {
  remove: LiveRule[];
  /** An owned rule left in place because removing it would have emptied the allowlist. */
  retained?: LiveRule;
}

/** What deleting an owner removes: its own live rules, but never the last rule standing. */
export function planRelease(live: LiveRule[], owned: readonly string[] | undefined): ReleasePlan {
  const remove = sortRules(live).filter((r) => owned?.includes(r.id));
  // With nothing live at all, `retained` is simply undefined.
  if (remove.length === live.length) {
    const [retained, ...rest] = remove;
    return { remove: rest, retained };
  }
  return { remove };
}

export function sortRules<T extends { cidr: string; id: string }>(rules: readonly T[]): T[] {
  // Stryker disable next-line EqualityOperator: rule ids are unique, so two ids compared here are never equal.
  return [...rules].sort((a, b) => compareCidrs(a.cidr, b.cidr) || (a.id < b.id ? -1 : 1));
}
