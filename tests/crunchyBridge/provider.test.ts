import type * as pulumi from "@pulumi/pulumi";
import { Config } from "@pulumi/pulumi/cmd/dynamic-provider/config";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { UNKNOWN } from "../../src/dynamicProviders/unknown";
import { diffAllowlist, type FirewallAllowlistInputs, type FirewallAllowlistOutputs } from "../../src/crunchyBridge/allowlist";
import { serializeProvider, type SerializedProvider } from "../harness/provider";
import { startFakeCrunchyBridge, type FakeCrunchyBridge } from "./fake-crunchy-bridge";

type Provider = pulumi.dynamic.ResourceProvider<FirewallAllowlistInputs, FirewallAllowlistOutputs>;

const KEY = "cbkey_provider_test_secret_abcdef";
const NET = "ooer7tenangenjelkxbkgz6sdi";
const RULES = `/networks/${NET}/firewall-rules`;
const GATEWAY = { cidr: "157.173.210.123/32", description: "srv712429-oceanid egress gateway" };
const STALE = "191.101.1.3/32";

let serialized: SerializedProvider<Provider>;
let fake: FakeCrunchyBridge | undefined;

beforeAll(() => {
  // The serializing child inherits this: a key in the environment must still not reach the text.
  process.env.CRUNCHY_BRIDGE_API_KEY = KEY;
  try {
    serialized = serializeProvider<Provider>("src/crunchyBridge/provider.ts", "firewallAllowlistProvider");
  } finally {
    delete process.env.CRUNCHY_BRIDGE_API_KEY;
  }
});

afterEach(async () => {
  delete process.env.CRUNCHY_BRIDGE_API_KEY;
  await fake?.close();
  fake = undefined;
});

/** A provider as the engine's host gets it: loaded from the serialized text, then configured with stack config. */
async function loadProvider(config: Record<string, string> = { "crunchyBridge.apiKey": KEY, "crunchyBridge.requestTimeoutMs": "400" }): Promise<Provider> {
  const provider = serialized.load();
  const raw = Object.fromEntries(Object.entries(config).map(([k, v]) => [`oceanid-cluster:${k}`, v]));
  await provider.configure?.({ config: new Config(raw, "oceanid-cluster") });
  return provider;
}

async function startFake(rules: string[]): Promise<FakeCrunchyBridge> {
  fake = await startFakeCrunchyBridge({ apiKey: KEY, networks: { [NET]: rules } });
  return fake;
}

function args(overrides: Partial<Record<keyof FirewallAllowlistInputs, unknown>> = {}): FirewallAllowlistInputs {
  return { networkId: NET, rules: [GATEWAY], prune: true, apiUrl: fake?.url, version: "1", __provider: serialized.text, ...overrides } as unknown as FirewallAllowlistInputs;
}

/** check, then create or diff+update, the way `pulumi up` drives a dynamic provider. */
async function up(provider: Provider, news: FirewallAllowlistInputs, state?: { id: string; outs: FirewallAllowlistOutputs }) {
  const checked = await provider.check!((state?.outs ?? {}) as FirewallAllowlistInputs, news);
  expect(checked.failures ?? []).toEqual([]);
  const inputs = checked.inputs!;
  if (!state) {
    const { id, outs } = await provider.create(inputs);
    return { id, outs: outs! };
  }
  const diff = await provider.diff!(state.id, state.outs, inputs);
  if (!diff.changes) return state;
  return { id: state.id, outs: (await provider.update!(state.id, state.outs, inputs)).outs! };
}

describe("FirewallAllowlist provider, through the engine's serialization path", () => {
  it("carries no API key in the serialized closure", () => {
    expect(serialized.text).not.toContain(KEY);
    expect(serialized.text).not.toContain("cbkey_");
    expect(serialized.containsSecrets).toBe(false);
  });

  it("checks and diffs without any network call or key, tolerating unknowns during preview", async () => {
    const api = await startFake([]);
    const provider = await loadProvider({});
    const checked = await provider.check!({} as FirewallAllowlistInputs, args({ rules: [{ cidr: " 2001:DB8::/48" }, { cidr: "157.173.210.123", description: GATEWAY.description }] }));
    expect(checked.failures).toEqual([]);
    expect(checked.inputs).toMatchObject({ rules: [GATEWAY, { cidr: "2001:db8::/48", description: "" }], prune: true, allowAnyAddress: false });

    const preview = await provider.check!({} as FirewallAllowlistInputs, args({ networkId: UNKNOWN, rules: UNKNOWN }));
    expect(preview.failures).toEqual([]);
    for (const rules of [[UNKNOWN, GATEWAY], [{ cidr: UNKNOWN, description: "computed" }, GATEWAY]]) {
      const partial = await provider.check!({} as FirewallAllowlistInputs, args({ rules }));
      expect(partial.failures).toEqual([]);
      expect(partial.inputs?.rules).toEqual(rules);
    }
    const state = { ...(checked.inputs as FirewallAllowlistInputs), ownedRuleIds: [], extraRules: [] };
    expect(await provider.diff!(NET, state, preview.inputs!)).toEqual({ changes: true, replaces: ["networkId"], deleteBeforeReplace: false });
    expect(api.calls()).toEqual([]);
  });

  it("reports what check refuses, per property", async () => {
    const provider = await loadProvider({});
    const { failures } = await provider.check!({} as FirewallAllowlistInputs, args({
      networkId: "ebisu-network",
      rules: [{ cidr: "10.0.0.5/24" }, { cidr: "0.0.0.0/0" }, { cidr: "157.173.0.0/16" }, GATEWAY],
      version: "",
    }));
    expect(failures).toEqual([
      { property: "networkId", reason: expect.stringMatching(/CrunchyBridge network id/) },
      { property: "version", reason: "expected a non-empty string" },
      { property: "rules[0].cidr", reason: expect.stringMatching(/host bits set: use 10\.0\.0\.0\/24 .* or 10\.0\.0\.5\/32/) },
      { property: "rules[1].cidr", reason: expect.stringMatching(/allows every address/) },
      { property: "rules", reason: "157.173.0.0/16 and 157.173.210.123/32 overlap; the API refuses overlapping rules" },
    ]);
    const empty = await provider.check!({} as FirewallAllowlistInputs, args({ rules: [] }));
    expect(empty.failures).toEqual([{ property: "rules", reason: expect.stringMatching(/at least one rule/) }]);
    const anyAllowed = await provider.check!({} as FirewallAllowlistInputs, args({ rules: [{ cidr: "0.0.0.0/0" }], allowAnyAddress: true }));
    expect(anyAllowed.failures).toEqual([]);
  });

  it("diffs order- and notation-insensitively, naming exactly the changed inputs", async () => {
    const api = await startFake([STALE]);
    const provider = await loadProvider();
    const two = [GATEWAY, { cidr: "2001:db8::/48", description: "v6" }];
    const state = await up(provider, args({ rules: two }));
    api.server.requests.length = 0;
    const same = await provider.check!(state.outs, args({ rules: [{ cidr: "2001:0DB8::/48", description: "v6" }, { ...GATEWAY, cidr: "157.173.210.123" }] }));
    expect(await provider.diff!(state.id, state.outs, same.inputs!)).toMatchObject({ changes: false, replaces: [] });
    const relabelled = (await provider.check!(state.outs, args({ rules: [{ ...GATEWAY, description: "new" }, two[1]], version: "2" }))).inputs!;
    expect(diffAllowlist(state.outs, relabelled)).toEqual({ changed: ["rules", "version"], replaces: [] });
    expect(await provider.diff!(state.id, state.outs, relabelled)).toMatchObject({ changes: true, replaces: [] });
    expect(api.calls()).toEqual([]);
  });

  it("adds before it removes, so the allowlist never lacks a desired rule", async () => {
    const api = await startFake([STALE, "10.9.9.9/32"]);
    const provider = await loadProvider();
    const desired = [GATEWAY, { cidr: "2001:db8::/48", description: "v6" }];
    const { id, outs } = await up(provider, args({ rules: desired }));

    expect(api.calls().map((c) => c.replace(/\/[a-z2-7]{26}$/, "/{id}"))).toEqual([`GET ${RULES}`, `POST ${RULES}`, `POST ${RULES}`, `DELETE ${RULES}/{id}`, `DELETE ${RULES}/{id}`]);
    for (const step of api.history.filter((h) => h.op.startsWith("DELETE"))) {
      expect(step.cidrs).toEqual(expect.arrayContaining(desired.map((d) => d.cidr)));
    }
    expect(api.rules(NET).map((r) => [r.rule, r.description])).toEqual(desired.map((d) => [d.cidr, d.description]));
    expect(id).toBe(NET);
    expect(outs).toEqual({
      networkId: NET, rules: desired, prune: true, allowAnyAddress: false, apiUrl: api.url, version: "1",
      ownedRuleIds: api.rules(NET).map((r) => r.id).sort(), extraRules: [],
    });
  });

  it("makes exactly one API request (the GET) when a reconcile changes nothing", async () => {
    const api = await startFake([]);
    api.addRuleByHand(NET, GATEWAY.cidr, GATEWAY.description);
    const provider = await loadProvider();
    const state = await up(provider, args());
    expect(api.calls()).toEqual([`GET ${RULES}`]);
    expect(state.outs.ownedRuleIds).toEqual([]); // adopted, not created: delete will leave it

    api.server.requests.length = 0;
    await up(provider, args({ version: "2" }), state);
    expect(api.calls()).toEqual([`GET ${RULES}`]);
  });

  it("removes its own rules once unlisted, leaves others' without prune and prunes them with it", async () => {
    const api = await startFake(["10.7.7.7/32"]);
    const provider = await loadProvider();
    const extra = { cidr: "10.8.8.8/32", description: "temporary" };
    const first = await up(provider, args({ rules: [GATEWAY, extra], prune: false }));
    const second = await up(provider, args({ prune: false }), first);
    expect(api.rules(NET).map((r) => r.rule)).toEqual(["10.7.7.7/32", GATEWAY.cidr]);
    expect(second.outs.extraRules).toEqual([{ cidr: "10.7.7.7/32", description: "pre-existing" }]);
    await up(provider, args({ prune: true }), second);
    expect(api.rules(NET).map((r) => r.rule)).toEqual([GATEWAY.cidr]);
  });

  it("relabels a rule in place when only its description changes", async () => {
    const api = await startFake([]);
    const provider = await loadProvider();
    const state = await up(provider, args());
    api.server.requests.length = 0;
    const next = await up(provider, args({ rules: [{ ...GATEWAY, description: "moved to srv999" }] }), state);
    expect(api.calls().map((c) => c.split(" ")[0])).toEqual(["GET", "PATCH"]);
    expect(api.rules(NET)[0].description).toBe("moved to srv999");
    expect(next.outs.rules).toEqual([{ ...GATEWAY, description: "moved to srv999" }]);
  });

  it("detects drift on refresh (rule removed or added by hand) and the next update repairs it", async () => {
    const api = await startFake([]);
    const provider = await loadProvider();
    const state = await up(provider, args());
    const [gw] = api.rules(NET);
    api.removeRuleByHand(NET, gw.id);
    api.addRuleByHand(NET, "203.0.113.9/32");

    const read = await provider.read!(state.id, state.outs);
    expect(read.id).toBe(NET);
    expect(read.props).toMatchObject({ rules: [], ownedRuleIds: [], extraRules: [{ cidr: "203.0.113.9/32", description: "added by hand" }] });
    const refreshed = { id: NET, outs: read.props! };
    const checked = (await provider.check!(refreshed.outs, args())).inputs!;
    expect(diffAllowlist(refreshed.outs, checked)).toEqual({ changed: ["rules", "extraRules"], replaces: [] });

    const repaired = await up(provider, args(), refreshed);
    expect(api.rules(NET).map((r) => r.rule)).toEqual([GATEWAY.cidr]);
    expect(repaired.outs.ownedRuleIds).toEqual([api.rules(NET)[0].id]);
  });

  it("reads the state back unchanged when nothing drifted", async () => {
    const api = await startFake(["10.7.7.7/32"]);
    const provider = await loadProvider();
    const state = await up(provider, args({ prune: false }));
    expect(state.outs.ownedRuleIds).toHaveLength(1);
    expect(await provider.read!(state.id, state.outs)).toEqual({ id: NET, props: state.outs });
    expect(api.calls().at(-1)).toBe(`GET ${RULES}`);
  });

  it("reads nothing without state (an import), and asks the API nothing", async () => {
    const api = await startFake([]);
    expect(await (await loadProvider()).read!(NET)).toEqual({ id: NET, props: undefined });
    expect(api.calls()).toEqual([]);
  });

  it("reads a blank id when the network is gone (410) or never existed (404), so refresh drops the resource", async () => {
    const api = await startFake([]);
    const provider = await loadProvider();
    const state = await up(provider, args());
    const never = { ...state.outs, networkId: "neverexistedneverexistedaa" };
    expect(await provider.read!(never.networkId, never)).toEqual({ id: "" });
    api.deleteNetwork(NET);
    expect(await provider.read!(state.id, state.outs)).toEqual({ id: "" });
    expect(api.server.faultLog).toEqual([]);
  });

  it("takes a request timeout of 0 as unset, not as no time at all", async () => {
    const api = await startFake([]);
    const provider = await loadProvider({ "crunchyBridge.apiKey": KEY, "crunchyBridge.requestTimeoutMs": "0", "api.requestBudgetSeconds": "1" });
    api.server.setLatency(50);
    await up(provider, args());
    expect(api.rules(NET)).toHaveLength(1);
  });

  it("keeps allowAnyAddress in its outputs when the whole internet is allowed on purpose", async () => {
    await startFake([]);
    const provider = await loadProvider();
    const { outs } = await up(provider, args({ rules: [{ cidr: "0.0.0.0/0", description: "any" }], allowAnyAddress: true }));
    expect(outs).toMatchObject({ rules: [{ cidr: "0.0.0.0/0", description: "any" }], allowAnyAddress: true });
  });

  it("fails refresh on an error other than 404/410, so a bad key or an outage never drops the resource from state", async () => {
    const api = await startFake([]);
    const state = await up(await loadProvider(), args());
    const wrongKey = await loadProvider({ "crunchyBridge.apiKey": "cbkey_revoked", "crunchyBridge.requestTimeoutMs": "400" });
    await expect(wrongKey.read!(state.id, state.outs)).rejects.toMatchObject({ status: 401 });
    api.server.inject(/^GET /, { kind: "status", status: 403, body: { message: "forbidden", request_id: "r-403" } });
    await expect((await loadProvider()).read!(state.id, state.outs)).rejects.toMatchObject({ status: 403 });
  });

  it("fails destroy on an error other than 404/410, so the rules are not left behind with the resource forgotten", async () => {
    const api = await startFake([]);
    const provider = await loadProvider();
    const state = await up(provider, args({ rules: [GATEWAY, { cidr: "10.1.1.1/32", description: "b" }] }));
    api.server.inject(/^DELETE /, { kind: "status", status: 403, body: { message: "forbidden", request_id: "r-403" } });
    await expect(provider.delete!(state.id, state.outs)).rejects.toMatchObject({ status: 403 });
    const wrongKey = await loadProvider({ "crunchyBridge.apiKey": "cbkey_revoked" });
    await expect(wrongKey.delete!(state.id, state.outs)).rejects.toMatchObject({ status: 401 });
    expect(api.rules(NET)).toHaveLength(2);
    // Once the network itself is gone there is nothing left to delete: that is success.
    api.deleteNetwork(NET);
    await expect((await loadProvider()).delete!(state.id, state.outs)).resolves.toBeUndefined();
  });

  it("deletes only the rules it created", async () => {
    const api = await startFake(["10.7.7.7/32"]);
    const provider = await loadProvider();
    const state = await up(provider, args({ prune: false }));
    await provider.delete!(state.id, state.outs);
    expect(api.rules(NET).map((r) => r.rule)).toEqual(["10.7.7.7/32"]);
  });

  it("never deletes the last rule standing", async () => {
    const api = await startFake([]);
    const provider = await loadProvider();
    const state = await up(provider, args({ rules: [GATEWAY, { cidr: "10.1.1.1/32", description: "b" }] }));
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      await provider.delete!(state.id, state.outs);
      const [kept] = api.rules(NET);
      expect(warn.mock.calls).toEqual([[`crunchybridge:FirewallAllowlist: left 10.1.1.1/32 (${kept.id}) on network ${NET}: it is the last rule standing`]]);
    } finally {
      warn.mockRestore();
    }
    expect(api.rules(NET).map((r) => r.rule)).toEqual(["10.1.1.1/32"]); // the first in canonical order stays
    expect(api.calls().filter((c) => c.startsWith("DELETE"))).toHaveLength(1);
  });

  it("copes with rules changed behind its back", async () => {
    const api = await startFake([STALE]);
    const provider = await loadProvider();
    const staleId = api.rules(NET)[0].id;
    // Someone else removes the stale rule while our DELETE for it is in flight: the API answers 410.
    api.server.inject(/^DELETE /, { kind: "delay", ms: 200 });
    const meanwhile = (async () => {
      while (!api.calls().some((c) => c.startsWith("DELETE"))) await new Promise((resolve) => setTimeout(resolve, 5));
      api.removeRuleByHand(NET, staleId);
    })();
    const state = await up(provider, args());
    await meanwhile;
    expect(api.calls().at(-1)).toBe(`DELETE ${RULES}/${staleId}`);
    expect(state.outs).toMatchObject({ rules: [GATEWAY], extraRules: [] });
    // A desired rule deleted by hand without a refresh is re-added by the next update: it plans from a fresh GET.
    api.removeRuleByHand(NET, api.rules(NET)[0].id);
    await up(provider, args({ version: "2" }), state);
    expect(api.rules(NET).map((r) => r.rule)).toEqual([GATEWAY.cidr]);
  });

  it("rides out 429 with Retry-After, 5xx and a slow response", async () => {
    const api = await startFake([STALE]);
    const provider = await loadProvider();
    api.server.inject(/^GET /, { kind: "status", status: 503, body: { message: "unavailable", request_id: "r-503" } });
    api.server.inject(/^GET /, { kind: "delay", ms: 1500 }); // beyond crunchyBridge.requestTimeoutMs = 400
    api.server.inject(/^POST /, { kind: "status", status: 429, headers: { "retry-after": "1" }, body: { message: "rate limited", request_id: "r-429" } });
    const started = Date.now();
    await up(provider, args());
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(api.calls().map((c) => c.split(" ")[0])).toEqual(["GET", "GET", "GET", "POST", "POST", "DELETE"]);
    expect(api.rules(NET).map((r) => r.rule)).toEqual([GATEWAY.cidr]);
  });

  it("converges through 30% transient faults, a create that took effect before its 500 included, without a duplicate rule", async () => {
    let faults = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const api = await startFake([STALE, "10.9.9.9/32"]);
      const provider = await loadProvider();
      api.server.randomFaults({
        seed,
        faults: [
          { probability: 0.1, fault: { kind: "status", status: 429, body: { message: "rate limited", request_id: "r-429" } } },
          { probability: 0.1, fault: { kind: "status", status: 503, body: { message: "unavailable", request_id: "r-503" } } },
          { probability: 0.1, fault: { kind: "status", status: 500, body: { message: "internal", request_id: "r-500" }, afterEffect: true } },
        ],
      });
      const desired = [GATEWAY, { cidr: "2001:db8::/48", description: "v6" }, { cidr: "198.51.100.0/24", description: "office" }];
      const { outs } = await up(provider, args({ rules: desired }));
      expect(api.rules(NET).map((r) => r.rule).sort()).toEqual(desired.map((r) => r.cidr).sort());
      expect(outs.ownedRuleIds).toHaveLength(3);
      faults += api.server.faultLog.length;
      await api.close();
      fake = undefined;
    }
    expect(faults).toBeGreaterThan(10);
  }, 120_000);

  it("gives up within the stack config's request budget, naming the last error", async () => {
    const api = await startFake([]);
    const provider = await loadProvider({ "crunchyBridge.apiKey": KEY, "api.requestBudgetSeconds": "1" });
    api.server.randomFaults({ seed: 1, faults: [{ probability: 1, fault: { kind: "status", status: 502, body: { message: "bad gateway", request_id: "r-502" } } }] });
    const started = Date.now();
    const err = await provider.create(args()).then(() => undefined, (e: unknown) => e as Error);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(err?.message).toMatch(/^GET \/networks\/\S+\/firewall-rules: 502 bad gateway \(request_id r-502\) \(gave up after \d+ attempts in \d+(\.\d)? s: retry budget 1 s\)$/);
  });

  it("takes the key from CRUNCHY_BRIDGE_API_KEY when stack config has none, and names both when neither is set", async () => {
    const api = await startFake([]);
    const provider = await loadProvider({});
    await expect(provider.create(args())).rejects.toThrow(/"crunchyBridge\.apiKey" or the environment variable CRUNCHY_BRIDGE_API_KEY/);
    process.env.CRUNCHY_BRIDGE_API_KEY = KEY;
    await up(provider, args());
    expect(api.rules(NET)).toHaveLength(1);
  });

  it("keeps the key out of errors and outputs, even when the API echoes request headers", async () => {
    const api = await startFake([]);
    const provider = await loadProvider();
    api.server.inject(/^GET /, { kind: "status", status: 400, body: { message: `invalid request, headers: {"authorization":"Bearer ${KEY}"}`, request_id: "r-echo" } });
    const err = await provider.create(args()).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/400 invalid request.*Bearer \[redacted\].*request_id r-echo/);
    // The provider host prints `${e}: ${e.stack}` for failed operations.
    expect(`${err}: ${err?.stack}`).not.toContain(KEY);
    const state = await up(provider, args());
    expect(JSON.stringify(state)).not.toContain(KEY);
  });
});
