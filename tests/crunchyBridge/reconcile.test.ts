import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "../../src/crunchyBridge/client";
import { reconcileNetwork, releaseNetwork } from "../../src/crunchyBridge/reconcile";
import { startFakeCrunchyBridge, type FakeCrunchyBridge } from "./fake-crunchy-bridge";

const KEY = "cbkey_reconcile_test_secret_0123";
const NET = "ooer7tenangenjelkxbkgz6sdi";
const GATEWAY = { cidr: "157.173.210.123/32", description: "gateway" };
const V6 = { cidr: "2001:db8::/48", description: "v6" };
const STALE = "191.101.1.3/32";

let fake: FakeCrunchyBridge | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(rules: string[]) {
  fake = await startFakeCrunchyBridge({ apiKey: KEY, networks: { [NET]: rules } });
  return { api: fake, client: createClient({ apiKey: KEY, apiUrl: fake.url, timeoutMs: 2000, retry: { minDelayMs: 10 } }) };
}

describe("reconcileNetwork against the fake API", () => {
  it("deletes nothing when a create fails, so a stale rule outlives the failed rollout", async () => {
    const { api, client } = await setup([STALE]);
    // The first create lands, the second is refused (403 is not retried).
    api.server.inject(/^POST .*firewall-rules$/, { kind: "delay", ms: 0 });
    api.server.inject(/^POST .*firewall-rules$/, { kind: "status", status: 403, body: { message: "forbidden", request_id: "r-403" } });
    await expect(reconcileNetwork(client, NET, [GATEWAY, V6], { prune: true })).rejects.toMatchObject({ status: 403 });
    expect(api.calls().filter((c) => c.startsWith("DELETE"))).toEqual([]);
    expect(api.rules(NET).map((r) => r.rule).sort()).toEqual([GATEWAY.cidr, STALE].sort());
  });

  it("deletes nothing when a description fix fails", async () => {
    const { api, client } = await setup([]);
    const gateway = api.addRuleByHand(NET, GATEWAY.cidr, "old label");
    api.addRuleByHand(NET, STALE);
    api.server.inject(/^PATCH /, { kind: "status", status: 403, body: { message: "forbidden", request_id: "r-403" } });
    await expect(reconcileNetwork(client, NET, [GATEWAY], { prune: true, owned: [] })).rejects.toMatchObject({ status: 403 });
    expect(api.calls().filter((c) => c.startsWith("DELETE"))).toEqual([]);
    expect(api.rules(NET).map((r) => [r.rule, r.description])).toEqual([[gateway.rule, "old label"], [STALE, "added by hand"]]);
  });

  it("creates, relabels, then prunes, and reports the allowlist and ownership that result", async () => {
    const { api, client } = await setup([STALE]);
    const relabel = api.addRuleByHand(NET, V6.cidr, "old label");
    const result = await reconcileNetwork(client, NET, [GATEWAY, V6], { prune: true, owned: [relabel.id, "fwrgoneaaaaaaaaaaaaaaaaaaa"] });
    expect(api.calls().map((c) => c.split(" ")[0])).toEqual(["GET", "POST", "PATCH", "DELETE"]);
    const created = api.rules(NET).find((r) => r.rule === GATEWAY.cidr)!;
    expect(result.live).toEqual([
      { id: created.id, cidr: GATEWAY.cidr, description: GATEWAY.description },
      { id: relabel.id, cidr: V6.cidr, description: V6.description },
    ]);
    // A previously owned id that no longer exists is forgotten; the relabelled one stays owned.
    expect(result.owned).toEqual([created.id, relabel.id].sort());
    expect(api.rules(NET).map((r) => [r.rule, r.description])).toEqual([[V6.cidr, V6.description], [GATEWAY.cidr, GATEWAY.description]]);
  });

  it("without prune leaves rules it does not own", async () => {
    const { api, client } = await setup([STALE]);
    const result = await reconcileNetwork(client, NET, [GATEWAY], { prune: false });
    expect(api.rules(NET).map((r) => r.rule)).toEqual([STALE, GATEWAY.cidr]);
    expect(result.live.map((r) => r.cidr)).toEqual([GATEWAY.cidr, STALE]);
    // Found, not made: the stale rule is not its to delete later.
    expect(result.owned).toEqual(api.rules(NET).filter((r) => r.rule === GATEWAY.cidr).map((r) => r.id));
  });

  it("reports the rules it owns in id order, whatever their CIDRs", async () => {
    const { api, client } = await setup([]);
    const later = [api.addRuleByHand(NET, "10.0.0.2/32"), api.addRuleByHand(NET, "10.0.0.1/32")];
    const desired = later.map((r) => ({ cidr: r.rule, description: "added by hand" }));
    const result = await reconcileNetwork(client, NET, desired, { prune: false, owned: later.map((r) => r.id) });
    expect(later[0].id < later[1].id).toBe(true);
    expect(result.owned).toEqual([later[0].id, later[1].id]);
    expect(result.live.map((r) => r.cidr)).toEqual(["10.0.0.1/32", "10.0.0.2/32"]);
  });
});

describe("releaseNetwork", () => {
  it("deletes only owned rules and reports what it removed", async () => {
    const { api, client } = await setup([STALE, "10.1.1.1/32"]);
    const [stale, other] = api.rules(NET);
    const plan = await releaseNetwork(client, NET, [stale.id]);
    expect(plan.remove.map((r) => r.id)).toEqual([stale.id]);
    expect(api.rules(NET).map((r) => r.id)).toEqual([other.id]);
  });
});
