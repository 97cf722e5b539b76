import { beforeAll, describe, expect, it } from "vitest";
import type { PlanJson } from "../harness/cli";
import { POLICIES } from "../../src/policy/policies";
import { mutated, realPlan, violationsOf, type StackName } from "./realPlans";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const CRONJOB = "kubernetes:batch/v1:CronJob";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const ALLOWLIST = "pulumi-nodejs:dynamic/crunchybridge:FirewallAllowlist";
const K8S_PROVIDER = "pulumi:providers:kubernetes";
const SECRET = "kubernetes:core/v1:Secret";
const BUCKET = "aws:s3/bucket:Bucket";
const PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";

const plans: Partial<Record<StackName, PlanJson>> = {};
beforeAll(async () => {
  plans.prod = await realPlan("prod");
  plans.staging = await realPlan("staging");
});

function container(inputs: any, index = 0): any {
  return (inputs.spec.template ?? inputs.spec.jobTemplate.spec.template).spec.containers[index];
}

function removeResource(plan: PlanJson, type: string, name: string): PlanJson {
  return { ...plan, resources: plan.resources.filter((r) => !(r.type === type && r.name === name)) };
}

interface Case {
  policy: string;
  stack: StackName;
  what: string;
  /** The plan with the change; the expected violation names `resource` ("type name" or "stack"). */
  change: (plan: PlanJson) => PlanJson;
  resource: string;
  /** A word the message must contain, so the case hits the intended check. */
  says: string;
}

const edit = (type: string, name: string, fn: (inputs: any) => void) => (plan: PlanJson) => mutated(plan, type, name, fn);
const release = (fn: (values: any) => void) => edit(RELEASE, "label-studio", (inputs) => fn(inputs.values));

const CASES: Case[] = [
  { policy: "label-studio-external-database", stack: "prod", what: "postgresql.enabled: true", change: release((v) => (v.postgresql.enabled = true)), resource: `${RELEASE} label-studio`, says: "postgresql.enabled" },
  {
    policy: "label-studio-external-database",
    stack: "prod",
    what: "the chart moved to a helm.sh/v4 Chart with the bundled Postgres",
    change: (plan) =>
      mutated(plan, RELEASE, "label-studio", (inputs, resource) => {
        resource.type = "kubernetes:helm.sh/v4:Chart";
        inputs.values.postgresql.enabled = true;
      }),
    resource: "kubernetes:helm.sh/v4:Chart label-studio",
    says: "postgresql.enabled",
  },
  { policy: "label-studio-external-database", stack: "staging", what: "no pgConfig.host", change: release((v) => delete v.global.pgConfig.host), resource: `${RELEASE} label-studio`, says: "pgConfig.host" },
  { policy: "label-studio-external-database", stack: "prod", what: "DJANGO_DB=sqlite", change: release((v) => (v.global.extraEnvironmentVars.DJANGO_DB = "sqlite")), resource: `${RELEASE} label-studio`, says: "SQLite" },
  {
    policy: "label-studio-external-database",
    stack: "prod",
    what: "a hand-written Label Studio Deployment without DJANGO_DB",
    change: edit(DEPLOYMENT, "egress-db-proxy", (i) => (container(i).image = "heartexlabs/label-studio:1.23.0")),
    resource: `${DEPLOYMENT} egress-db-proxy`,
    says: "SQLite",
  },
  { policy: "label-studio-s3-persistence", stack: "prod", what: "volume persistence", change: release((v) => (v.global.persistence.type = "volume")), resource: `${RELEASE} label-studio`, says: "volume" },
  { policy: "label-studio-s3-persistence", stack: "staging", what: "persistence disabled", change: release((v) => (v.global.persistence.enabled = false)), resource: `${RELEASE} label-studio`, says: "persistence" },
  { policy: "label-studio-secret-key-from-secret", stack: "prod", what: "no SECRET_KEY reference", change: release((v) => delete v.global.extraEnvironmentSecrets.SECRET_KEY), resource: `${RELEASE} label-studio`, says: "SECRET_KEY" },
  { policy: "label-studio-secret-key-from-secret", stack: "staging", what: "plain SECRET_KEY", change: release((v) => (v.global.extraEnvironmentVars.SECRET_KEY = "not-so-secret")), resource: `${RELEASE} label-studio`, says: "plain text" },
  {
    policy: "label-studio-no-credentials-in-values",
    stack: "prod",
    what: "an S3 secret key written into the values",
    change: release((v) => (v.global.persistence.config.s3.secretKey = "wJalrXUtnFEMI/K7MDENG")),
    resource: `${RELEASE} label-studio`,
    says: "values.global.persistence.config.s3.secretKey",
  },
  { policy: "label-studio-no-credentials-in-values", stack: "staging", what: "a secret value as the pg password", change: release((v) => (v.global.pgConfig.password = "[secret]")), resource: `${RELEASE} label-studio`, says: "secret value" },
  {
    policy: "no-plaintext-credential-env",
    stack: "staging",
    what: "LABEL_STUDIO_TOKEN as a plain value",
    change: edit(CRONJOB, "storage-provisioner", (i) => {
      const env = container(i).env.find((e: any) => e.name === "LABEL_STUDIO_TOKEN");
      delete env.valueFrom;
      env.value = "0123456789abcdef";
    }),
    resource: `${CRONJOB} storage-provisioner`,
    says: "LABEL_STUDIO_TOKEN",
  },
  {
    policy: "no-plaintext-credential-env",
    stack: "prod",
    what: "DATABASE_URL as a plain value",
    change: edit(DEPLOYMENT, "egress-db-proxy", (i) => container(i).env.push({ name: "DATABASE_URL", value: "postgres://u:p@egress-db-proxy.apps.svc.cluster.local/db" })),
    resource: `${DEPLOYMENT} egress-db-proxy`,
    says: "DATABASE_URL",
  },
  { policy: "kubernetes-provider-kubeconfig-secret", stack: "prod", what: "a plain kubeconfig", change: edit(K8S_PROVIDER, "cluster", (i) => (i.kubeconfig = "apiVersion: v1\nkind: Config\n")), resource: `${K8S_PROVIDER} cluster`, says: "not a secret" },
  { policy: "kubernetes-provider-kubeconfig-secret", stack: "staging", what: "no kubeconfig", change: edit(K8S_PROVIDER, "cluster", (i) => delete i.kubeconfig), resource: `${K8S_PROVIDER} cluster`, says: "ambient" },
  {
    policy: "kubernetes-secret-data-is-secret",
    stack: "prod",
    what: "stringData with a plain entry",
    change: edit(SECRET, "hf-dataset", (i) => (i.stringData = { HF_TOKEN: "[secret]", HF_DATASET_REPO: "goldfish/annotations" })),
    resource: `${SECRET} hf-dataset`,
    says: ".stringData.HF_DATASET_REPO",
  },
  { policy: "egress-default-deny", stack: "prod", what: "the default-deny policy removed", change: (p) => removeResource(p, NETWORK_POLICY, "egress-gateway-apps-default-deny"), resource: "stack", says: "podSelector: {}" },
  {
    policy: "egress-default-deny",
    stack: "staging",
    what: "an allow-all rule in the default-deny policy",
    change: edit(NETWORK_POLICY, "egress-gateway-apps-default-deny", (i) => i.spec.egress.push({ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] })),
    resource: `${NETWORK_POLICY} egress-gateway-apps-default-deny`,
    says: "any address",
  },
  {
    policy: "egress-database-route",
    stack: "prod",
    what: "Label Studio pointed straight at CrunchyBridge",
    change: release((v) => (v.global.pgConfig.host = "p.example-cluster-not-real.db.postgresbridge.com")),
    resource: `${RELEASE} label-studio`,
    says: "not egress-db-proxy",
  },
  {
    policy: "egress-database-route",
    stack: "staging",
    what: "a CronJob with PGHOST on the database host",
    change: edit(CRONJOB, "storage-provisioner", (i) => container(i).env.push({ name: "PGHOST", value: "p.example.db.postgresbridge.com" })),
    resource: `${CRONJOB} storage-provisioner`,
    says: "p.example.db.postgresbridge.com",
  },
  {
    policy: "egress-database-route",
    stack: "prod",
    what: "a NetworkPolicy opening 5432 to the internet",
    change: (plan) => {
      const copy = structuredClone(plan);
      copy.resources.push({
        type: NETWORK_POLICY,
        name: "label-studio-db-direct",
        parent: null,
        provider: "cluster",
        inputs: { metadata: { name: "label-studio-db-direct", namespace: "apps" }, spec: { podSelector: { matchLabels: { app: "label-studio" } }, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 5432 }] }] } },
      });
      return copy;
    },
    resource: `${NETWORK_POLICY} label-studio-db-direct`,
    says: "around egress-db-proxy",
  },
  { policy: "crunchybridge-allowlist", stack: "prod", what: "0.0.0.0/0 in the allowlist", change: edit(ALLOWLIST, "crunchybridge-allowlist", (i) => i.rules.push({ cidr: "0.0.0.0/0", description: "temp" })), resource: `${ALLOWLIST} crunchybridge-allowlist`, says: "0.0.0.0/0" },
  { policy: "crunchybridge-allowlist", stack: "staging", what: "::/0 in the allowlist", change: edit(ALLOWLIST, "crunchybridge-allowlist", (i) => i.rules.push({ cidr: "::/0", description: "temp" })), resource: `${ALLOWLIST} crunchybridge-allowlist`, says: "::/0" },
  { policy: "crunchybridge-allowlist", stack: "prod", what: "the egress IP missing", change: edit(ALLOWLIST, "crunchybridge-allowlist", (i) => (i.rules = [{ cidr: "203.0.113.9/32", description: "laptop" }])), resource: `${ALLOWLIST} crunchybridge-allowlist`, says: "locked out" },
  { policy: "crunchybridge-allowlist", stack: "prod", what: "allowAnyAddress", change: edit(ALLOWLIST, "crunchybridge-allowlist", (i) => (i.allowAnyAddress = true)), resource: `${ALLOWLIST} crunchybridge-allowlist`, says: "allowAnyAddress" },
  { policy: "crunchybridge-allowlist", stack: "staging", what: "no allowlist at all", change: (p) => removeResource(p, ALLOWLIST, "crunchybridge-allowlist"), resource: "stack", says: "no CrunchyBridge" },
  { policy: "helm-release-fixed-name", stack: "prod", what: "an auto-named release", change: edit(RELEASE, "label-studio", (i) => delete i.name), resource: `${RELEASE} label-studio`, says: "no name" },
  { policy: "helm-release-fixed-name", stack: "staging", what: "a generated suffix", change: edit(RELEASE, "label-studio", (i) => (i.name = "label-studio-3f9a1c2b")), resource: `${RELEASE} label-studio`, says: "generated suffix" },
  { policy: "image-pinned", stack: "prod", what: "an image :latest", change: edit(DEPLOYMENT, "egress-gateway", (i) => (container(i).image = "ubuntu/squid:latest")), resource: `${DEPLOYMENT} egress-gateway`, says: "ubuntu/squid:latest" },
  { policy: "image-pinned", stack: "staging", what: "a tag-less image", change: edit(CRONJOB, "storage-provisioner", (i) => (container(i).image = "ghcr.io/goldfish-inc/oceanid-provisioner")), resource: `${CRONJOB} storage-provisioner`, says: "no tag" },
  { policy: "image-pinned", stack: "prod", what: "a chart image override :latest", change: release((v) => (v.app.image = { repository: "heartexlabs/label-studio", tag: "latest" })), resource: `${RELEASE} label-studio`, says: "heartexlabs/label-studio:latest" },
  { policy: "container-resources", stack: "prod", what: "no limits", change: edit(DEPLOYMENT, "egress-db-proxy", (i) => delete container(i).resources.limits), resource: `${DEPLOYMENT} egress-db-proxy`, says: "limits.memory" },
  { policy: "container-resources", stack: "staging", what: "no requests", change: edit(CRONJOB, "storage-provisioner", (i) => delete container(i).resources.requests), resource: `${CRONJOB} storage-provisioner`, says: "requests.cpu" },
  { policy: "uploads-public-access-blocked", stack: "prod", what: "restrictPublicBuckets off", change: edit(PUBLIC_ACCESS_BLOCK, "uploads-public-access", (i) => (i.restrictPublicBuckets = false)), resource: `${BUCKET} uploads`, says: "restrictPublicBuckets" },
  { policy: "uploads-public-access-blocked", stack: "prod", what: "no public access block", change: (p) => removeResource(p, PUBLIC_ACCESS_BLOCK, "uploads-public-access"), resource: `${BUCKET} uploads`, says: "no BucketPublicAccessBlock" },
  {
    policy: "uploads-tls-only",
    stack: "prod",
    what: "the deny turned into a condition that never matches",
    change: edit(BUCKET_POLICY, "uploads-tls-only", (i) => (i.policy = i.policy.replace('"aws:SecureTransport":"false"', '"aws:SecureTransport":"true"'))),
    resource: `${BUCKET} uploads`,
    says: "plain HTTP",
  },
  { policy: "uploads-tls-only", stack: "staging", what: "no bucket policy", change: (p) => removeResource(p, BUCKET_POLICY, "uploads-tls-only"), resource: `${BUCKET} uploads`, says: "plain HTTP" },
];

/** Advisory policies: the real plans hold a case they flag; the case fixed shows the policy can pass. */
interface AdvisoryCase {
  policy: string;
  stack: StackName;
  resource: string;
  fix: (plan: PlanJson) => PlanJson;
}

const ADVISORY: AdvisoryCase[] = [
  { policy: "image-digest", stack: "prod", resource: `${DEPLOYMENT} egress-gateway`, fix: edit(DEPLOYMENT, "egress-gateway", (i) => (container(i).image = `ubuntu/squid:6.10-24.10_beta@sha256:${"a".repeat(64)}`)) },
  { policy: "container-non-root", stack: "prod", resource: `${DEPLOYMENT} egress-db-proxy`, fix: edit(DEPLOYMENT, "egress-db-proxy", (i) => (container(i).securityContext.runAsNonRoot = true)) },
  { policy: "container-read-only-root", stack: "staging", resource: `${DEPLOYMENT} egress-gateway`, fix: edit(DEPLOYMENT, "egress-gateway", (i) => (container(i).securityContext = { readOnlyRootFilesystem: true })) },
];

describe("the policies over the real plans", () => {
  it.each(["prod", "staging"] as const)("the real %s plan has no mandatory violation", (stack) => {
    const mandatory = violationsOf(plans[stack]!, stack).filter((v) => v.enforcementLevel === "mandatory");
    expect(mandatory).toEqual([]);
  });

  it("every policy has a case that breaks it", () => {
    const covered = new Set([...CASES.map((c) => c.policy), ...ADVISORY.map((c) => c.policy)]);
    expect(POLICIES.map((p) => p.name).filter((name) => !covered.has(name))).toEqual([]);
  });
});

describe.each(CASES)("$policy catches $what ($stack)", (c) => {
  it("reports it as mandatory, on the resource, with a fix", () => {
    const before = violationsOf(plans[c.stack]!, c.stack).filter((v) => v.policy === c.policy);
    expect(before).toEqual([]);
    const found = violationsOf(c.change(plans[c.stack]!), c.stack).filter((v) => v.policy === c.policy);
    expect(found.map((v) => v.resource)).toContain(c.resource);
    const hit = found.find((v) => v.resource === c.resource && v.message.includes(c.says));
    expect(hit, `no ${c.policy} violation on ${c.resource} mentioning ${c.says}: ${JSON.stringify(found)}`).toBeDefined();
    expect(hit!.enforcementLevel).toBe("mandatory");
    expect(hit!.fix.length).toBeGreaterThan(10);
  });
});

describe.each(ADVISORY)("advisory $policy", (c) => {
  it("flags the real plan's resource, and passes it once fixed", () => {
    const real = violationsOf(plans[c.stack]!, c.stack).filter((v) => v.policy === c.policy && v.resource === c.resource);
    expect(real.length).toBeGreaterThan(0);
    expect(real.every((v) => v.enforcementLevel === "advisory")).toBe(true);
    const fixed = violationsOf(c.fix(plans[c.stack]!), c.stack).filter((v) => v.policy === c.policy && v.resource === c.resource);
    expect(fixed).toEqual([]);
  });
});

describe("values unknown until apply", () => {
  it("are reported as advisory, as CrossGuard does in a preview, never as a pass or a crash", () => {
    const plan = mutated(plans.prod!, RELEASE, "label-studio", (i) => (i.values.global.pgConfig.host = "[unknown]"));
    const found = violationsOf(plan, "prod").filter((v) => v.resource === `${RELEASE} label-studio` && v.policy === "label-studio-external-database");
    expect(found).toEqual([expect.objectContaining({ enforcementLevel: "advisory", message: expect.stringContaining(".global.pgConfig.host is unknown") })]);
  });
});
