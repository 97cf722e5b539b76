import { cidrsOverlap, compareCidrs, isCidrError, normaliseCidr } from "./cidr";
import type { LiveRule } from "./plan";
import { UNKNOWN } from "../dynamicProviders/unknown";

/** One allowlist entry as the resource takes it. */
export interface AllowlistRule {
  cidr: string;
  description: string;
}

/** Inputs of `FirewallAllowlist`, after `check` (CIDRs normalised, rules sorted, defaults filled). */
export interface FirewallAllowlistInputs {
  networkId: string;
  rules: AllowlistRule[];
  /** Also delete live rules this resource does not list (not only the ones it created). */
  prune: boolean;
  allowAnyAddress?: boolean;
  apiUrl?: string;
  /** Bump to roll out a provider code change deliberately (the engine cannot see code changes). */
  version: string;
}

export interface FirewallAllowlistOutputs extends FirewallAllowlistInputs {
  /** Rules this resource created: the only ones `delete` removes. */
  ownedRuleIds: string[];
  /** Live rules on the network that are not listed (always empty after an update with `prune`). */
  extraRules: AllowlistRule[];
}

const EID = /^[a-z2-7]{25}[aeimquy4]$/;
const isUnknown = (value: unknown) => value !== undefined && JSON.stringify(value).includes(UNKNOWN);

export interface CheckFailure {
  property: string;
  reason: string;
}

/**
 * Validates and normalises inputs without any network call. Unknown values (preview) pass
 * through unchecked; they are checked again once known.
 */
export function checkAllowlistInputs(news: Record<string, unknown>): { inputs: Record<string, unknown>; failures: CheckFailure[] } {
  const failures: CheckFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });
  const inputs: Record<string, unknown> = { ...news, prune: news.prune ?? false, allowAnyAddress: news.allowAnyAddress ?? false };

  if (!isUnknown(news.networkId) && (typeof news.networkId !== "string" || !EID.test(news.networkId))) {
    fail("networkId", `expected a CrunchyBridge network id (26 lowercase base32 characters), got ${JSON.stringify(news.networkId)}`);
  }
  for (const key of ["prune", "allowAnyAddress"] as const) {
    if (!isUnknown(inputs[key]) && typeof inputs[key] !== "boolean") fail(key, "expected a boolean");
  }
  if (!isUnknown(news.version) && (typeof news.version !== "string" || news.version === "")) fail("version", "expected a non-empty string");
  if (news.apiUrl !== undefined && !isUnknown(news.apiUrl) && (typeof news.apiUrl !== "string" || !/^https?:\/\/[^/]/.test(news.apiUrl))) {
    fail("apiUrl", "expected an http(s) URL");
  }

  // Only the list as a whole: a list holding an unknown rule is still checked rule by rule.
  if (news.rules !== UNKNOWN) {
    if (!Array.isArray(news.rules) || news.rules.length === 0) {
      fail("rules", "expected at least one rule: an empty allowlist locks every client out");
    } else {
      const allowAnyAddress = inputs.allowAnyAddress === true;
      // A rule (or its CIDR) unknown during preview passes through; the rest are checked now.
      const rules = news.rules.map((raw: unknown, i) => (isUnknown(raw) ? (raw as AllowlistRule) : normaliseRule(raw, `rules[${i}]`, allowAnyAddress, fail)));
      const known = rules.filter((r): r is AllowlistRule => r !== undefined && !isUnknown(r));
      known.forEach((a, i) => {
        for (const b of known.slice(i + 1)) if (cidrsOverlap(a.cidr, b.cidr)) fail("rules", `${a.cidr} and ${b.cidr} overlap; the API refuses overlapping rules`);
      });
      if (known.length === rules.length) inputs.rules = sortAllowlist(known);
    }
  }
  return { inputs, failures };
}

function normaliseRule(raw: unknown, property: string, allowAnyAddress: boolean, fail: (p: string, r: string) => void): AllowlistRule | undefined {
  const rule = raw as Partial<Record<keyof AllowlistRule, unknown>> | null;
  if (rule === null || typeof rule !== "object") return void fail(property, "expected { cidr, description }");
  const description = rule.description ?? "";
  if (typeof description !== "string") return void fail(`${property}.description`, "expected a string");
  if (typeof rule.cidr !== "string") return void fail(`${property}.cidr`, "expected a CIDR string");
  try {
    return { cidr: normaliseCidr(rule.cidr, { allowAnyAddress }), description };
  } catch (err) {
    // Stryker disable next-line ConditionalExpression: normaliseCidr validates the text before ipaddr.js parses it, so it throws nothing but CidrError; the guard only keeps a future bug from posing as bad input.
    if (isCidrError(err)) return void fail(`${property}.cidr`, err.message);
    throw err;
  }
}

export function sortAllowlist(rules: AllowlistRule[]): AllowlistRule[] {
  return [...rules].sort((a, b) => compareCidrs(a.cidr, b.cidr));
}

/**
 * Which properties differ between state (old outputs) and new inputs: pure, no network.
 * `rules` compares as a set of {cidr, description}; `extraRules` counts only with `prune`
 * (hand-added rules found by refresh that the next update would delete). An unknown value
 * counts as changed; an unknown `networkId` may mean a different network, hence replace.
 */
export function diffAllowlist(olds: Partial<FirewallAllowlistOutputs>, news: Partial<FirewallAllowlistInputs>): { changed: string[]; replaces: string[] } {
  const same = (a: unknown, b: unknown) => !isUnknown(b) && JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  const asSet = (rules: unknown) => (Array.isArray(rules) && !isUnknown(rules) ? sortAllowlist(rules as AllowlistRule[]).map((r) => ({ cidr: r.cidr, description: r.description ?? "" })) : rules);
  const changed: string[] = [];
  if (!same(olds.networkId, news.networkId)) changed.push("networkId");
  if (!same(asSet(olds.rules), asSet(news.rules))) changed.push("rules");
  if (!same(olds.prune ?? false, news.prune ?? false)) changed.push("prune");
  if (!same(olds.allowAnyAddress ?? false, news.allowAnyAddress ?? false)) changed.push("allowAnyAddress");
  if (!same(olds.apiUrl, news.apiUrl)) changed.push("apiUrl");
  if (!same(olds.version, news.version)) changed.push("version");
  if (news.prune === true && (olds.extraRules ?? []).length > 0) changed.push("extraRules");
  return { changed, replaces: changed.includes("networkId") ? ["networkId"] : [] };
}

/** Outputs from the inputs and the live allowlist (after a reconcile, or as read on refresh). */
export function allowlistOutputs(inputs: FirewallAllowlistInputs, live: LiveRule[], owned: readonly string[] | undefined): FirewallAllowlistOutputs {
  const liveByCidr = new Map(live.map((r) => [r.cidr, r]));
  const listed = new Set(inputs.rules.map((r) => r.cidr));
  return {
    networkId: inputs.networkId,
    // Listed rules that are live, with their live description: a rule deleted by hand drops out.
    rules: sortAllowlist(inputs.rules.flatMap((r) => {
      const found = liveByCidr.get(r.cidr);
      return found ? [{ cidr: r.cidr, description: found.description ?? "" }] : [];
    })),
    prune: inputs.prune,
    allowAnyAddress: inputs.allowAnyAddress ?? false,
    // Undefined when unset: the engine leaves undefined properties out of state.
    apiUrl: inputs.apiUrl,
    version: inputs.version,
    ownedRuleIds: live.filter((r) => owned?.includes(r.id)).map((r) => r.id).sort(),
    extraRules: sortAllowlist(live.filter((r) => !listed.has(r.cidr)).map((r) => ({ cidr: r.cidr, description: r.description ?? "" }))),
  };
}
