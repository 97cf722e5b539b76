import type * as pulumi from "@pulumi/pulumi";
import { allowlistOutputs, checkAllowlistInputs, diffAllowlist, type FirewallAllowlistInputs, type FirewallAllowlistOutputs } from "./allowlist";
import { API_KEY_ENV, createClient, crunchyBridgeError, isCrunchyBridgeError, type CrunchyBridgeClient } from "./client";
import { listLiveRules, reconcileNetwork, releaseNetwork } from "./reconcile";
import { REQUEST_BUDGET_CONFIG_KEY, secondsToMs } from "../http/retry";

/** Bump when a provider change should roll out to existing allowlists as an update. */
// Stryker disable next-line StringLiteral: used only by resource.ts as the default version, checked by resource.test.ts, which is outside the mutation run.
export const FIREWALL_PROVIDER_VERSION = "1";

/**
 * Filled by `configure` in the provider process only. Serialized while still empty, so the
 * key never enters the `__provider` text stored in state.
 */
const session: { apiKey?: string; timeoutMs?: number; budgetMs?: number } = {};

function clientFor(apiUrl: string | undefined): CrunchyBridgeClient {
  // Read at call time, not load time: the environment of the provider process is what counts.
  const apiKey = session.apiKey ?? process.env[API_KEY_ENV];
  if (!apiKey) {
    throw crunchyBridgeError(`CrunchyBridge API key not set: set the secret stack config "crunchyBridge.apiKey" or the environment variable ${API_KEY_ENV}`);
  }
  return createClient({ apiKey, apiUrl, timeoutMs: session.timeoutMs, retry: { budgetMs: session.budgetMs } });
}

/** The network itself is gone (or never existed): nothing left to manage. */
function networkGone(err: unknown): boolean {
  return isCrunchyBridgeError(err) && (err.status === 404 || err.status === 410);
}

function inputsOf(props: FirewallAllowlistInputs): FirewallAllowlistInputs {
  return { networkId: props.networkId, rules: props.rules, prune: props.prune, allowAnyAddress: props.allowAnyAddress, apiUrl: props.apiUrl, version: props.version };
}

/**
 * Dynamic provider for `FirewallAllowlist`. `check` and `diff` are pure (preview needs no API
 * access); `create`/`update` reconcile add-before-remove; `delete` removes only owned rules;
 * `read` reports drift for `pulumi refresh`.
 */
export const firewallAllowlistProvider: pulumi.dynamic.ResourceProvider<FirewallAllowlistInputs, FirewallAllowlistOutputs> = {
  async configure(req) {
    // The same flat keys the stack's typed config declares (src/config.ts).
    session.apiKey = req.config.get("crunchyBridge.apiKey");
    const timeout = Number(req.config.get("crunchyBridge.requestTimeoutMs"));
    session.timeoutMs = timeout > 0 ? timeout : undefined;
    session.budgetMs = secondsToMs(req.config.get(REQUEST_BUDGET_CONFIG_KEY));
  },

  async check(_olds, news) {
    const { inputs, failures } = checkAllowlistInputs(news as unknown as Record<string, unknown>);
    return { inputs: inputs as unknown as FirewallAllowlistInputs, failures };
  },

  async diff(_id, olds, news) {
    const { changed, replaces } = diffAllowlist(olds, news);
    return { changes: changed.length > 0, replaces, deleteBeforeReplace: false };
  },

  async create(inputs) {
    const desired = inputsOf(inputs);
    const result = await reconcileNetwork(clientFor(desired.apiUrl), desired.networkId, desired.rules, { prune: desired.prune });
    return { id: desired.networkId, outs: allowlistOutputs(desired, result.live, result.owned) };
  },

  async update(_id, olds, news) {
    const desired = inputsOf(news);
    const result = await reconcileNetwork(clientFor(desired.apiUrl), desired.networkId, desired.rules, { prune: desired.prune, owned: olds.ownedRuleIds });
    return { outs: allowlistOutputs(desired, result.live, result.owned) };
  },

  async read(id, props) {
    if (!props) return { id, props };
    try {
      const live = await listLiveRules(clientFor(props.apiUrl), props.networkId);
      return { id, props: allowlistOutputs(inputsOf(props), live, props.ownedRuleIds) };
    } catch (err) {
      // A blank id tells the engine the resource is gone, so refresh drops it from state.
      if (networkGone(err)) return { id: "" };
      throw err;
    }
  },

  async delete(_id, props) {
    try {
      const { retained } = await releaseNetwork(clientFor(props.apiUrl), props.networkId, props.ownedRuleIds);
      if (retained) console.warn(`crunchybridge:FirewallAllowlist: left ${retained.cidr} (${retained.id}) on network ${props.networkId}: it is the last rule standing`);
    } catch (err) {
      if (!networkGone(err)) throw err;
    }
  },
};
