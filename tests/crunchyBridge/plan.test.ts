import { describe, expect, it } from "vitest";
import { planReconcile, planRelease, toLiveRule, type LiveRule } from "../../src/crunchyBridge/plan";

const rule = (id: string, cidr: string, description: string | null = null): LiveRule => ({ id, cidr, description });
const gateway = { cidr: "157.173.210.123/32", description: "srv712429 egress gateway" };

describe("planReconcile", () => {
  it("adds the missing rule and, with prune, removes the stale one", () => {
    const plan = planReconcile({ live: [rule("a", "191.101.1.3/32")], desired: [gateway], prune: true });
    expect(plan).toEqual({ add: [gateway], describe: [], remove: [rule("a", "191.101.1.3/32")], keep: [] });
  });

  it("without prune keeps rules it does not own, but removes owned ones no longer desired", () => {
    const live = [rule("mine", "10.0.0.1/32"), rule("theirs", "10.0.0.2/32"), rule("gw", gateway.cidr, gateway.description)];
    const plan = planReconcile({ live, desired: [gateway], prune: false, owned: ["mine", "gw"] });
    expect(plan.remove.map((r) => r.id)).toEqual(["mine"]);
    expect(plan.keep.map((r) => r.id)).toEqual(["theirs", "gw"]);
    expect(plan.add).toEqual([]);
  });

  it("without prune or ownership keeps every rule it does not want", () => {
    const plan = planReconcile({ live: [rule("theirs", "10.0.0.2/32")], desired: [gateway], prune: false });
    expect(plan).toEqual({ add: [gateway], describe: [], remove: [], keep: [rule("theirs", "10.0.0.2/32")] });
  });

  it("changes nothing when the live list already matches", () => {
    const plan = planReconcile({ live: [rule("gw", gateway.cidr, gateway.description)], desired: [gateway], prune: true });
    expect(plan).toEqual({ add: [], describe: [], remove: [], keep: [rule("gw", gateway.cidr, gateway.description)] });
  });

  it("relabels a kept rule whose description differs, and leaves it alone when the description is not given", () => {
    const live = [rule("gw", gateway.cidr, "old")];
    expect(planReconcile({ live, desired: [gateway], prune: false }).describe).toEqual([{ ...live[0], to: gateway.description }]);
    expect(planReconcile({ live, desired: [{ cidr: gateway.cidr }], prune: false }).describe).toEqual([]);
    expect(planReconcile({ live: [rule("gw", gateway.cidr, null)], desired: [{ cidr: gateway.cidr, description: "" }], prune: false }).describe).toEqual([]);
    expect(planReconcile({ live: [rule("gw", gateway.cidr, "")], desired: [{ cidr: gateway.cidr, description: null }], prune: false }).describe).toEqual([]);
  });

  it("matches live rules written differently by canonicalising them", () => {
    const live = [toLiveRule({ id: "v6", rule: "2001:DB8:0:0::/32", description: null })];
    expect(planReconcile({ live, desired: [{ cidr: "2001:db8::/32" }], prune: true }).remove).toEqual([]);
  });

  it("recognises a live allow-all rule written another way (the API holds whatever was set by hand)", () => {
    const live = [toLiveRule({ id: "any", rule: "0:0::/0", description: null })];
    expect(live[0].cidr).toBe("::/0");
    expect(planReconcile({ live, desired: [{ cidr: "::/0" }], prune: true }).remove).toEqual([]);
  });

  it("creates missing rules in canonical order, IPv4 before IPv6", () => {
    const v6 = { cidr: "2001:db8::/48", description: "v6" };
    expect(planReconcile({ live: [], desired: [v6, { cidr: "10.0.0.0/8" }, gateway], prune: true }).add).toEqual([{ cidr: "10.0.0.0/8" }, gateway, v6]);
  });

  it("keeps the duplicate with the lowest id, whatever order the API lists them in", () => {
    for (const ids of [["c", "a", "b"], ["b", "c", "a"], ["a", "b", "c"]]) {
      const plan = planReconcile({ live: ids.map((id) => rule(id, gateway.cidr)), desired: [{ cidr: gateway.cidr }], prune: true });
      expect([plan.keep.map((r) => r.id), plan.remove.map((r) => r.id)]).toEqual([["a"], ["b", "c"]]);
    }
  });

  it("treats a duplicate live CIDR as surplus", () => {
    const plan = planReconcile({ live: [rule("b", gateway.cidr), rule("a", gateway.cidr)], desired: [{ cidr: gateway.cidr }], prune: true });
    expect([plan.keep.map((r) => r.id), plan.remove.map((r) => r.id)]).toEqual([["a"], ["b"]]);
  });

  it("refuses an empty desired list instead of planning a lock-out", () => {
    expect(() => planReconcile({ live: [rule("a", "10.0.0.1/32")], desired: [], prune: true })).toThrow(/empty allowlist/);
  });
});

describe("planRelease", () => {
  it("removes only owned rules", () => {
    expect(planRelease([rule("mine", "10.0.0.1/32"), rule("theirs", "10.0.0.2/32")], ["mine"])).toEqual({ remove: [rule("mine", "10.0.0.1/32")] });
  });

  it("never removes the last rule standing", () => {
    const live = [rule("m2", "10.0.0.2/32"), rule("m1", "10.0.0.1/32")];
    expect(planRelease(live, ["m1", "m2"])).toEqual({ remove: [rule("m2", "10.0.0.2/32")], retained: rule("m1", "10.0.0.1/32") });
    expect(planRelease([rule("m1", "10.0.0.1/32")], ["m1"])).toEqual({ remove: [], retained: rule("m1", "10.0.0.1/32") });
  });

  it("has nothing to do when its rules are already gone", () => {
    expect(planRelease([rule("theirs", "10.0.0.2/32")], ["gone"])).toEqual({ remove: [] });
    expect(planRelease([rule("theirs", "10.0.0.2/32")], undefined)).toEqual({ remove: [] });
    expect(planRelease([], ["gone"])).toEqual({ remove: [] });
  });
});
