import { beforeAll, describe, expect, it } from "vitest";
import { findResource, planJson } from "../harness/cli";
import { haveHelm, helmBinary, parseManifest, renderPlannedRelease } from "../harness/helm";
import { KUBERNETES_VERSIONS, KubernetesSchema, type KubernetesVersion } from "./openapi";
import { semanticProblems, type KubernetesObject } from "./semantics";

// Every Kubernetes object the program registers, and every object the Label Studio chart renders
// from the registered values, as the cluster will receive them: valid for Kubernetes 1.31 and
// 1.34 under strict field validation, and consistent with each other.

const STACKS = ["prod", "staging"] as const;
type Stack = (typeof STACKS)[number];

interface StackObjects {
  registered: Array<{ name: string; object: KubernetesObject }>;
  rendered: Record<KubernetesVersion, KubernetesObject[]>;
}

const objects = {} as Record<Stack, StackObjects>;
const schemas = {} as Record<KubernetesVersion, KubernetesSchema>;

describe.skipIf(!haveHelm())("Kubernetes objects of the stack", () => {
  beforeAll(async () => {
    const helm = await helmBinary();
    await Promise.all(
      STACKS.map(async (stack) => {
        // Secrets revealed: their stringData must be a real map, not the preview mask.
        const plan = await planJson(["--stack", stack, "--show-secrets"]);
        const release = findResource(plan, "kubernetes:helm.sh/v3:Release", "label-studio");
        const registered = plan.resources
          .filter((r) => r.type.startsWith("kubernetes:") && r.type !== "kubernetes:helm.sh/v3:Release" && !r.type.startsWith("kubernetes:helm"))
          .map((r) => ({ name: r.name, object: r.inputs as KubernetesObject }));
        const rendered = {} as Record<KubernetesVersion, KubernetesObject[]>;
        for (const version of KUBERNETES_VERSIONS) {
          // Helm applies a rendered object without a namespace to the release's namespace.
          rendered[version] = parseManifest(await renderPlannedRelease(helm, release, `${version}.0`)).map((o) => ({ ...o, metadata: { ...o.metadata, namespace: o.metadata?.namespace ?? release.inputs.namespace } }));
        }
        objects[stack] = { registered, rendered };
      }),
    );
    for (const version of KUBERNETES_VERSIONS) schemas[version] = new KubernetesSchema(version);
  });

  it("registers the objects this test is meant to see", () => {
    for (const stack of STACKS) {
      const kinds = new Set(objects[stack].registered.map((r) => r.object.kind));
      expect([...kinds].sort()).toEqual(expect.arrayContaining(["ConfigMap", "Deployment", "Namespace", "NetworkPolicy", "Secret", "Service"]));
      expect(objects[stack].rendered["1.31"].map((o) => o.kind).sort()).toEqual(["Deployment", "Ingress", "Secret", "Service", "ServiceAccount"]);
    }
    expect(objects.staging.registered.some((r) => r.object.kind === "CronJob")).toBe(true);
  });

  for (const version of KUBERNETES_VERSIONS) {
    it(`validates every registered and rendered object against the Kubernetes ${version} OpenAPI schema, unknown fields refused`, () => {
      for (const stack of STACKS) {
        const problems = [...objects[stack].registered.map((r) => r.object), ...objects[stack].rendered[version]].flatMap((o) => schemas[version].validate(o));
        expect({ stack, problems }).toEqual({ stack, problems: [] });
      }
    });
  }

  it("fits together: selectors, Service ports, referenced Secrets/ConfigMaps and keys, NetworkPolicy peers", () => {
    for (const stack of STACKS) {
      const problems = semanticProblems([...objects[stack].registered.map((r) => r.object), ...objects[stack].rendered["1.31"]]);
      expect({ stack, problems }).toEqual({ stack, problems: [] });
    }
  });

  it("gives each object one owner: nothing the program registers is also rendered by the chart", () => {
    for (const stack of STACKS) {
      const key = (o: KubernetesObject) => `${o.kind}/${o.metadata?.namespace ?? ""}/${o.metadata?.name}`;
      const rendered = new Set(objects[stack].rendered["1.31"].map(key));
      expect(objects[stack].registered.map((r) => key(r.object)).filter((k) => rendered.has(k))).toEqual([]);
    }
  });

  it("lets the Label Studio pods reach what they need through the apps namespace's egress policy", () => {
    for (const stack of STACKS) {
      const all = [...objects[stack].registered.map((r) => r.object), ...objects[stack].rendered["1.31"]];
      const app = objects[stack].rendered["1.31"].find((o) => o.kind === "Deployment")!;
      const labels = app.spec.template.metadata.labels as Record<string, string>;
      const policies = all.filter((o) => o.kind === "NetworkPolicy" && o.metadata.namespace === app.metadata.namespace && (o.spec.policyTypes ?? []).includes("Egress"));
      const applying = policies.filter((p) => Object.entries(p.spec.podSelector.matchLabels ?? {}).every(([k, v]) => labels[k] === v));
      const openPorts = applying.flatMap((p) => (p.spec.egress ?? []).flatMap((rule: any) => (rule.ports ?? []).map((port: any) => port.port)));
      // DNS, the egress gateway (all web traffic) and egress-db-proxy (the database).
      expect({ stack, ports: [...new Set(openPorts)].sort((a, b) => a - b) }).toEqual({ stack, ports: [53, 3128, 5432] });
    }
  });
});
