import type { Command } from "commander";
import { UsageError } from "../cli/errors";
import { isCidrError, normaliseCidr } from "./cidr";
import { API_KEY_ENV, createClient, DEFAULT_API_URL, isCrunchyBridgeError } from "./client";
import { planReconcile, type LiveRule, type ReconcilePlan } from "./plan";
import { listLiveRules, reconcileNetwork } from "./reconcile";

interface FirewallOptions {
  network: string;
  allow: string[];
  description?: string;
  prune: boolean;
  allowAnyAddress: boolean;
  dryRun: boolean;
  json: boolean;
  apiUrl: string;
}

/** `oceanid firewall`: break-glass access to the same reconcile the FirewallAllowlist resource runs. */
export function registerFirewallCommand(program: Command): void {
  program
    .command("firewall")
    .description(`List or reconcile a CrunchyBridge network's firewall allowlist (API key from ${API_KEY_ENV})`)
    .requiredOption("--network <id>", "CrunchyBridge network id")
    .option("--allow <cidr>", "CIDR to allow, repeatable; a bare IP becomes /32 or /128 (none: just list)", (v: string, all: string[]) => [...all, v], [] as string[])
    .option("--description <text>", "description for the --allow rules (existing ones are relabelled)")
    .option("--prune", "delete every rule not given with --allow (only after the new ones exist)", false)
    .option("--allow-any-address", "permit 0.0.0.0/0 or ::/0", false)
    .option("--dry-run", "print the plan and change nothing", false)
    .option("--json", 'print { "network", "added", "removed", "kept" } (CIDRs)', false)
    .option("--api-url <url>", "API base URL", DEFAULT_API_URL)
    .action(async (options: FirewallOptions) => {
      try {
        process.stdout.write(await runFirewall(options, process.env));
      } catch (err) {
        // Their messages are complete (and key-free); a stack trace would only add noise.
        if (isCrunchyBridgeError(err) || isCidrError(err)) throw new UsageError(err.message);
        throw err;
      }
    });
}

async function runFirewall(options: FirewallOptions, env: NodeJS.ProcessEnv): Promise<string> {
  const apiKey = env[API_KEY_ENV];
  if (!apiKey) throw new UsageError(`${API_KEY_ENV} is not set: export the CrunchyBridge API key (cbkey_...) first`);
  if (options.prune && options.allow.length === 0) throw new UsageError("--prune needs at least one --allow: it would delete every rule");
  const desired = options.allow.map((cidr) => ({ cidr: normaliseCidr(cidr, { allowAnyAddress: options.allowAnyAddress }), description: options.description }));
  const client = createClient({ apiKey, apiUrl: options.apiUrl });
  let plan: ReconcilePlan;
  if (desired.length === 0) {
    plan = { add: [], describe: [], remove: [], keep: await listLiveRules(client, options.network) };
  } else if (options.dryRun) {
    plan = planReconcile({ live: await listLiveRules(client, options.network), desired, prune: options.prune });
  } else {
    plan = (await reconcileNetwork(client, options.network, desired, { prune: options.prune })).plan;
  }
  return options.json ? formatJson(options.network, plan) : formatText(options.network, plan, options.dryRun);
}

function formatJson(network: string, plan: ReconcilePlan): string {
  const cidrs = (rules: Array<{ cidr: string }>) => rules.map((r) => r.cidr);
  return `${JSON.stringify({ network, added: cidrs(plan.add), removed: cidrs(plan.remove), kept: cidrs(plan.keep) }, null, 2)}\n`;
}

function formatText(network: string, plan: ReconcilePlan, dryRun: boolean): string {
  const relabelled = new Map(plan.describe.map((d) => [d.id, d.to]));
  const line = (mark: string, cidr: string, note: string) => `  ${mark} ${cidr.padEnd(20)} ${note}`.trimEnd();
  const describe = (r: LiveRule) => (relabelled.has(r.id) ? `${r.description ?? ""} -> ${relabelled.get(r.id) ?? ""}` : (r.description ?? ""));
  const lines = [
    dryRun
      ? `network ${network}: ${plan.add.length} to add, ${plan.remove.length} to remove, ${plan.keep.length} to keep (dry run: nothing changed)`
      : `network ${network}: ${plan.add.length} added, ${plan.remove.length} removed, ${plan.keep.length} kept`,
    ...plan.add.map((r) => line("+", r.cidr, r.description ?? "")),
    ...plan.remove.map((r) => line("-", r.cidr, `${r.description ?? ""} [${r.id}]`)),
    ...plan.keep.map((r) => line(relabelled.has(r.id) ? "~" : "=", r.cidr, describe(r))),
  ];
  return `${lines.join("\n")}\n`;
}
