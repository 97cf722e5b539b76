import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, repoRoot, type PlanJson, type PlannedResource } from "../harness/cli";
import { resolveStackConfig } from "../../src/plan/stackConfig";
import { evaluate } from "../../src/policy/evaluate";
import { planResources } from "../../src/policy/plan";
import { POLICIES } from "../../src/policy/policies";
import { startPolicyPack, urnOf, type Diagnostic, type PolicyPackProcess } from "./analyzer";
import { mutated, realContext, realPlan } from "./realPlans";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const ALLOWLIST = "pulumi-nodejs:dynamic/crunchybridge:FirewallAllowlist";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

// The pack compiles through the SDK's ts-node on a busy machine: allow it time to start.
const START_TIMEOUT = 300_000;

let pack: PolicyPackProcess;
let prod: PlanJson;
beforeAll(async () => {
  prod = await realPlan("prod");
  pack = await startPolicyPack("prod", resolveStackConfig({ root: repoRoot, stack: "prod" }).values, START_TIMEOUT - 60_000);
}, START_TIMEOUT);
afterAll(() => pack?.stop());

const providerOf = (plan: PlanJson, resource: PlannedResource) => plan.resources.find((r) => r.type.startsWith("pulumi:providers:") && r.name === resource.provider);
const mandatory = (diagnostics: Diagnostic[]) => diagnostics.filter((d) => d.level === "mandatory");

describe("policy/ under @pulumi/policy, driven over the engine's Analyzer protocol", () => {
  it("loads as the oceanid pack and declares every policy with its enforcement level", async () => {
    const info = await pack.info();
    expect(info.name).toBe("oceanid");
    expect(info.policies).toEqual(POLICIES.map((p) => ({ name: p.name, level: p.enforcementLevel })));
  });

  it("passes every resource of the real prod plan, and the stack, with no mandatory violation", async () => {
    const perResource = await Promise.all(prod.resources.map((r) => pack.analyze(r, providerOf(prod, r))));
    const stack = await pack.analyzeStack(prod.resources);
    expect(mandatory([...perResource.flatMap((r) => r.diagnostics), ...stack.diagnostics])).toEqual([]);
    // The same advisory findings as the offline check: one policy code path.
    // The same findings as `oceanid policy check`: one policy code path. (A resource diagnostic
    // carries no URN: the engine knows which resource it asked about.)
    const fromPack = perResource.flatMap((r, i) => r.diagnostics.map((d) => `${d.level} ${d.policy} ${prod.resources[i]!.type} ${prod.resources[i]!.name}`));
    const offline = evaluate(planResources(prod), realContext("prod")).violations.map((v) => `${v.enforcementLevel} ${v.policy} ${v.resource}`);
    expect(fromPack.sort()).toEqual(offline.sort());
    expect(fromPack).toContain(`advisory image-digest ${DEPLOYMENT} egress-gateway`);
  });

  it("fails the Label Studio release with postgresql.enabled: true, saying what to fix", async () => {
    const plan = mutated(prod, RELEASE, "label-studio", (i) => (i.values.postgresql.enabled = true));
    const release = findResource(plan, RELEASE, "label-studio");
    const { diagnostics } = await pack.analyze(release, providerOf(plan, release));
    expect(mandatory(diagnostics)).toEqual([
      expect.objectContaining({ policy: "label-studio-external-database", message: expect.stringMatching(/postgresql\.enabled is true.+\. Fix: set values\.postgresql\.enabled: false/) }),
    ]);
  });

  it("fails the stack whose allowlist admits 0.0.0.0/0 or lacks the egress IP from the stack config, naming the allowlist", async () => {
    const open = await pack.analyzeStack(mutated(prod, ALLOWLIST, "crunchybridge-allowlist", (i) => i.rules.push({ cidr: "0.0.0.0/0", description: "x" })).resources);
    const urn = urnOf("prod", { type: ALLOWLIST, name: "crunchybridge-allowlist" });
    expect(mandatory(open.diagnostics)).toEqual([expect.objectContaining({ policy: "crunchybridge-allowlist", urn, message: expect.stringContaining("rule 0.0.0.0/0 admits every address") })]);
    const moved = await pack.analyzeStack(mutated(prod, ALLOWLIST, "crunchybridge-allowlist", (i) => (i.rules = [{ cidr: "198.51.100.7/32", description: "old" }])).resources);
    expect(mandatory(moved.diagnostics)).toEqual([expect.objectContaining({ policy: "crunchybridge-allowlist", urn, message: expect.stringContaining(`egress IP ${realContext("prod").egressPublicIp}/32`) })]);
  });

  it("marks the secret-ness policies not applicable (CrossGuard unwraps secrets) instead of passing them", async () => {
    const provider = findResource(prod, "pulumi:providers:kubernetes", "cluster");
    const { diagnostics, notApplicable } = await pack.analyze(provider);
    expect(diagnostics).toEqual([]);
    expect(notApplicable).toContainEqual({ policy: "kubernetes-provider-kubeconfig-secret", reason: expect.stringContaining("oceanid policy check") });
  });

  it("reports a policy that meets a value unknown in the preview as advisory", async () => {
    const plan = mutated(prod, RELEASE, "label-studio", (i) => (i.values.global.pgConfig.host = "[unknown]"));
    const release = findResource(plan, RELEASE, "label-studio");
    const { diagnostics } = await pack.analyze(release, providerOf(plan, release));
    expect(diagnostics).toContainEqual(expect.objectContaining({ policy: "label-studio-external-database", level: "advisory", message: expect.stringContaining("during preview") }));
    expect(mandatory(diagnostics)).toEqual([]);
  });
});
