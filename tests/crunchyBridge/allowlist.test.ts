import { describe, expect, it } from "vitest";
import { UNKNOWN } from "../../src/dynamicProviders/unknown";
import { allowlistOutputs, checkAllowlistInputs, diffAllowlist, type FirewallAllowlistInputs, type FirewallAllowlistOutputs } from "../../src/crunchyBridge/allowlist";

// The pure halves of the FirewallAllowlist provider (check, diff, outputs); provider.test.ts
// drives them through the engine's serialization path against the fake API.
const NET = "ooer7tenangenjelkxbkgz6sdi";
const GATEWAY = { cidr: "157.173.210.123/32", description: "egress gateway" };
const OFFICE = { cidr: "198.51.100.0/24", description: "office" };

const check = (overrides: Record<string, unknown> = {}) => checkAllowlistInputs({ networkId: NET, rules: [GATEWAY], version: "1", ...overrides });

describe("checkAllowlistInputs", () => {
  it("fills prune and allowAnyAddress with false, so the whole internet stays refused unless asked for", () => {
    expect(check()).toEqual({ inputs: { networkId: NET, rules: [GATEWAY], version: "1", prune: false, allowAnyAddress: false }, failures: [] });
    expect(check({ rules: [{ cidr: "0.0.0.0/0", description: "any" }] }).failures).toEqual([
      { property: "rules[0].cidr", reason: '"0.0.0.0/0" allows every address; refused unless allowAnyAddress is set explicitly' },
    ]);
  });

  it("accepts only a whole network id (26 base32 characters), not one inside other text", () => {
    for (const networkId of [`${NET}/`, `x-${NET}`, [NET], 42, undefined]) {
      expect(check({ networkId }).failures).toEqual([
        { property: "networkId", reason: `expected a CrunchyBridge network id (26 lowercase base32 characters), got ${JSON.stringify(networkId)}` },
      ]);
    }
  });

  it("names each input of the wrong type", () => {
    const { failures } = check({ prune: "true", allowAnyAddress: 1, version: 2, apiUrl: 443 });
    expect(failures).toEqual([
      { property: "prune", reason: "expected a boolean" },
      { property: "allowAnyAddress", reason: "expected a boolean" },
      { property: "version", reason: "expected a non-empty string" },
      { property: "apiUrl", reason: "expected an http(s) URL" },
    ]);
    expect(check({ version: undefined }).failures).toEqual([{ property: "version", reason: "expected a non-empty string" }]);
  });

  it("takes apiUrl only as an http(s) URL with a host, and leaves it out when unset", () => {
    for (const apiUrl of ["https://api.crunchybridge.com", "http://127.0.0.1:8080/"]) expect(check({ apiUrl }).failures).toEqual([]);
    for (const apiUrl of [["https://api.crunchybridge.com"], "ftp://api.crunchybridge.com", "api.crunchybridge.com", "see https://api.crunchybridge.com", "https:///networks"]) {
      expect(check({ apiUrl }).failures).toEqual([{ property: "apiUrl", reason: "expected an http(s) URL" }]);
    }
    expect(check().failures).toEqual([]);
  });

  it("names the rule that is not { cidr, description }", () => {
    const { failures } = check({ rules: [null, "10.0.0.1/32", { cidr: "10.0.0.2/32", description: 7 }, { cidr: 167772163 }, GATEWAY] });
    expect(failures).toEqual([
      { property: "rules[0]", reason: "expected { cidr, description }" },
      { property: "rules[1]", reason: "expected { cidr, description }" },
      { property: "rules[2].description", reason: "expected a string" },
      { property: "rules[3].cidr", reason: "expected a CIDR string" },
    ]);
  });

  it("reports every overlapping pair once", () => {
    const rules = [{ cidr: "10.0.0.0/8" }, { cidr: "10.1.0.0/16" }, { cidr: "10.1.2.0/24" }, GATEWAY];
    expect(check({ rules }).failures).toEqual([
      { property: "rules", reason: "10.0.0.0/8 and 10.1.0.0/16 overlap; the API refuses overlapping rules" },
      { property: "rules", reason: "10.0.0.0/8 and 10.1.2.0/24 overlap; the API refuses overlapping rules" },
      { property: "rules", reason: "10.1.0.0/16 and 10.1.2.0/24 overlap; the API refuses overlapping rules" },
    ]);
  });

  it("sorts and normalises known rules, and passes rules with an unknown CIDR through untouched during preview", () => {
    expect(check({ rules: [OFFICE, { ...GATEWAY, cidr: " 157.173.210.123 " }] }).inputs.rules).toEqual([GATEWAY, OFFICE]);
    for (const rules of [[OFFICE, { cidr: UNKNOWN, description: "computed" }], [OFFICE, UNKNOWN], [{ cidr: UNKNOWN }]]) {
      const checked = check({ rules });
      expect(checked.failures).toEqual([]);
      expect(checked.inputs.rules).toBe(rules);
    }
    expect(check({ networkId: UNKNOWN, prune: UNKNOWN, version: UNKNOWN, apiUrl: UNKNOWN, rules: UNKNOWN }).failures).toEqual([]);
  });

  it("still checks the known rules of a list that holds an unknown one, so preview reports them", () => {
    expect(check({ rules: [{ cidr: UNKNOWN }, { cidr: "10.0.0.5/24" }, UNKNOWN, { cidr: "10.0.0.0/8" }, { cidr: "10.1.0.0/16" }] }).failures).toEqual([
      { property: "rules[1].cidr", reason: '"10.0.0.5/24" has host bits set: use 10.0.0.0/24 for the network, or 10.0.0.5/32 for the single host' },
      { property: "rules", reason: "10.0.0.0/8 and 10.1.0.0/16 overlap; the API refuses overlapping rules" },
    ]);
  });
});

const state = (overrides: Partial<FirewallAllowlistOutputs> = {}): FirewallAllowlistOutputs => ({
  networkId: NET, rules: [GATEWAY, OFFICE], prune: false, allowAnyAddress: false, version: "1", ownedRuleIds: [], extraRules: [], ...overrides,
});
const inputs = (overrides: Partial<FirewallAllowlistInputs> = {}): FirewallAllowlistInputs => ({
  networkId: NET, rules: [GATEWAY, OFFICE], prune: false, allowAnyAddress: false, version: "1", ...overrides,
});

describe("diffAllowlist", () => {
  it("sees no change in the same rules listed in another order, or a description left out of an older state", () => {
    expect(diffAllowlist(state({ rules: [OFFICE, GATEWAY] }), inputs())).toEqual({ changed: [], replaces: [] });
    expect(diffAllowlist(state({ rules: [{ cidr: GATEWAY.cidr } as never, OFFICE] }), inputs({ rules: [{ cidr: GATEWAY.cidr, description: "" }, OFFICE] }))).toEqual({ changed: [], replaces: [] });
  });

  it("treats an unset prune or allowAnyAddress as false", () => {
    const unset = { prune: undefined, allowAnyAddress: undefined } as never;
    expect(diffAllowlist({ ...state(), ...(unset as object) }, inputs())).toEqual({ changed: [], replaces: [] });
    expect(diffAllowlist(state(), { ...inputs(), ...(unset as object) })).toEqual({ changed: [], replaces: [] });
    expect(diffAllowlist(state({ prune: true, allowAnyAddress: true }), inputs({ prune: true, allowAnyAddress: true }))).toEqual({ changed: [], replaces: [] });
  });

  it("names each changed input, and replaces only for another network", () => {
    expect(diffAllowlist(state(), inputs({ prune: true }))).toEqual({ changed: ["prune"], replaces: [] });
    expect(diffAllowlist(state(), inputs({ allowAnyAddress: true }))).toEqual({ changed: ["allowAnyAddress"], replaces: [] });
    expect(diffAllowlist(state(), inputs({ apiUrl: "http://127.0.0.1:1" }))).toEqual({ changed: ["apiUrl"], replaces: [] });
    expect(diffAllowlist(state(), inputs({ rules: [GATEWAY] }))).toEqual({ changed: ["rules"], replaces: [] });
    expect(diffAllowlist(state(), inputs({ networkId: "ooer7tenangenjelkxbkgz6sda" }))).toEqual({ changed: ["networkId"], replaces: ["networkId"] });
  });

  it("counts rules found by refresh as a change only when the update would prune them", () => {
    const extraRules = [{ cidr: "203.0.113.9/32", description: "added by hand" }];
    expect(diffAllowlist(state({ extraRules }), inputs())).toEqual({ changed: [], replaces: [] });
    expect(diffAllowlist(state({ extraRules, prune: true }), inputs({ prune: true }))).toEqual({ changed: ["extraRules"], replaces: [] });
    expect(diffAllowlist({ ...state({ prune: true }), extraRules: undefined } as never, inputs({ prune: true }))).toEqual({ changed: [], replaces: [] });
  });

  it("counts rules holding an unknown value as changed", () => {
    expect(diffAllowlist(state(), inputs({ rules: [UNKNOWN as never, GATEWAY] }))).toEqual({ changed: ["rules"], replaces: [] });
  });
});

describe("allowlistOutputs", () => {
  it("reports listed rules with their live descriptions, unlisted live rules as extra, and only owned ids still live", () => {
    // In CIDR order, as a listing gives them.
    const live = [
      { id: "fwrc", cidr: GATEWAY.cidr, description: "relabelled by hand" },
      { id: "fwra", cidr: OFFICE.cidr, description: null },
      { id: "fwrb", cidr: "203.0.113.9/32", description: null },
    ];
    const outs = allowlistOutputs(inputs({ allowAnyAddress: undefined }), live, ["fwrgone", "fwrc", "fwra"]);
    expect(outs).toEqual({
      networkId: NET,
      rules: [{ cidr: GATEWAY.cidr, description: "relabelled by hand" }, { cidr: OFFICE.cidr, description: "" }],
      prune: false,
      allowAnyAddress: false,
      version: "1",
      ownedRuleIds: ["fwra", "fwrc"],
      extraRules: [{ cidr: "203.0.113.9/32", description: "" }],
    });
    expect(allowlistOutputs(inputs({ allowAnyAddress: true, apiUrl: "http://127.0.0.1:1" }), live, [])).toMatchObject({ allowAnyAddress: true, apiUrl: "http://127.0.0.1:1" });
    // A state written before ownership was recorded owns nothing.
    expect(allowlistOutputs(inputs(), live, undefined).ownedRuleIds).toEqual([]);
  });
});
