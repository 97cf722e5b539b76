import { beforeAll, describe, expect, it } from "vitest";
import { findResource, openedEnvironmentFile, planJson, type PlanJson } from "../harness/cli";

describe("egress in the prod plan", () => {
  let prod: PlanJson;
  beforeAll(async () => {
    prod = await planJson(["--stack", "prod"]);
  });

  it("runs one squid pod pinned to the egress node in egress-system, behind a 3128 service", () => {
    const deployment = findResource(prod, "kubernetes:apps/v1:Deployment", "egress-gateway").inputs;
    expect(deployment.metadata).toMatchObject({ name: "egress-gateway", namespace: "egress-system", labels: { app: "egress-gateway" } });
    const pod = deployment.spec.template.spec;
    expect(pod.nodeSelector).toEqual({ "kubernetes.io/hostname": "srv712429" });
    expect(pod.containers.map((c: { name: string }) => c.name)).toEqual(["squid"]);
    expect(pod.containers[0].image).toBe("ubuntu/squid:6.10-24.10_beta");
    expect(pod.containers[0].readinessProbe.tcpSocket.port).toBe(3128);
    expect(pod.containers[0].livenessProbe.tcpSocket.port).toBe(3128);
    expect(deployment.spec.template.metadata.annotations["oceanid.dev/squid-config-sha256"]).toMatch(/^[a-f0-9]{64}$/);
    expect(findResource(prod, "kubernetes:core/v1:Service", "egress-gateway-service").inputs.spec.ports).toEqual([{ name: "proxy", port: 3128, targetPort: 3128 }]);
    expect(findResource(prod, "kubernetes:core/v1:ConfigMap", "egress-gateway-squid").inputs.data["squid.conf"]).toContain("acl cluster_clients src 10.42.0.0/16");
  });

  it("rolls the gateway when its squid config changes", async () => {
    const otherCidr = await planJson(["--env-file", openedEnvironmentFile({ "egress.podCidr": "10.52.0.0/16" })]);
    const checksum = (plan: PlanJson) => findResource(plan, "kubernetes:apps/v1:Deployment", "egress-gateway").inputs.spec.template.metadata.annotations["oceanid.dev/squid-config-sha256"];
    expect(checksum(otherCidr)).not.toBe(checksum(prod));
  });

  it("default-denies egress in apps and admits only apps at the gateway", () => {
    const deny = findResource(prod, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "egress-gateway-apps-default-deny").inputs;
    expect(deny.metadata).toEqual({ name: "default-deny-egress", namespace: "apps" });
    const gateway = findResource(prod, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "egress-gateway-policy").inputs;
    expect(gateway.metadata.namespace).toBe("egress-system");
    expect(gateway.spec.policyTypes).toEqual(["Ingress", "Egress"]);
  });

  it("runs egress-db-proxy as an SSH tunnel with key and known_hosts from a Secret, on port 5432 in apps", () => {
    const deployment = findResource(prod, "kubernetes:apps/v1:Deployment", "egress-db-proxy").inputs;
    expect(deployment.metadata).toMatchObject({ name: "egress-db-proxy", namespace: "apps" });
    const pod = deployment.spec.template.spec;
    expect(pod.containers[0].command).toContain("StrictHostKeyChecking=yes");
    expect(pod.containers[0].command).toContain("0.0.0.0:5432:p.example-cluster-not-real.db.postgresbridge.com:5432");
    expect(pod.volumes).toEqual([
      { name: "ssh", secret: { secretName: "egress-db-proxy-ssh", defaultMode: 0o400 } },
      { name: "run", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
    ]);
    expect(findResource(prod, "kubernetes:core/v1:Secret", "egress-db-proxy-ssh").inputs.stringData).toBe("[secret]");
    expect(findResource(prod, "kubernetes:core/v1:Service", "egress-db-proxy-service").inputs.spec.ports).toEqual([{ name: "postgres", port: 5432, targetPort: 5432 }]);
    // The tunnel dials tethys' SSH port: the policy keeps that open past the default deny.
    expect(findResource(prod, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "egress-db-proxy-policy").inputs.spec.egress[0].ports).toEqual([{ port: 22, protocol: "TCP" }]);
  });

  it("exports the in-cluster cleandata URL as a secret, pointing at the proxy", async () => {
    expect(prod.outputs.cleandataInClusterUrl).toBe("[secret]");
    const revealed = await planJson(["--stack", "prod", "--show-secrets"]);
    expect(revealed.outputs.cleandataInClusterUrl).toBe("postgresql://postgres:example-password@egress-db-proxy.apps.svc.cluster.local:5432/cleandata?sslmode=require");
    expect(prod.outputs.egressDbProxy).toEqual({ host: "egress-db-proxy.apps.svc.cluster.local", port: 5432 });
  });
});

describe("egress-db-proxy in tcp-forward mode (staging)", () => {
  it("runs socat pinned to the egress node, with the database port open and no SSH secret", async () => {
    const staging = await planJson(["--stack", "staging"]);
    const pod = findResource(staging, "kubernetes:apps/v1:Deployment", "egress-db-proxy").inputs.spec.template.spec;
    expect(pod.containers[0].command[0]).toBe("socat");
    expect(pod.nodeSelector).toEqual({ "kubernetes.io/hostname": "staging-node-1" });
    expect(staging.resources.some((r) => r.name === "egress-db-proxy-ssh")).toBe(false);
    expect(findResource(staging, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "egress-db-proxy-policy").inputs.spec.egress[0].ports).toEqual([{ port: 5432, protocol: "TCP" }]);
  });
});
