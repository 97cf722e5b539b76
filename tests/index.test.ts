import { beforeAll, describe, expect, it } from "vitest";
import { migrationFileInputs } from "../src/migrations/resource";
import { findResource, planJson, type PlanJson } from "./harness/cli";

// What index.ts composes from config, read off the resources the program really registers.
describe("the stack's composition", () => {
  let prod: PlanJson;
  let staging: PlanJson;
  beforeAll(async () => {
    [prod, staging] = await Promise.all([planJson(["--stack", "prod"]), planJson(["--stack", "staging"])]);
  });

  it("allowlists exactly the egress node's IP on the CrunchyBridge network, pruning the rest", () => {
    const allowlist = findResource(prod, "pulumi-nodejs:dynamic/crunchybridge:FirewallAllowlist", "crunchybridge-allowlist").inputs;
    expect(allowlist).toMatchObject({
      networkId: "exampleexampleexampleexama",
      rules: [{ cidr: "157.173.210.123/32", description: "srv712429-oceanid egress gateway" }],
      prune: true,
      allowAnyAddress: false,
    });
    expect(JSON.stringify(allowlist)).not.toContain("cbkey_");
  });

  it("registers the cleandata migrations with every file's checksum and the URL as a secret", () => {
    const migrations = findResource(prod, "pulumi-nodejs:dynamic/cleandata:Migrations", "cleandata-migrations").inputs;
    expect(migrations.databaseUrl).toBe("[secret]");
    expect(migrations.files).toEqual(migrationFileInputs("sql/migrations"));
    expect(migrations.runOnUp).toBe(false);
    expect(findResource(staging, "pulumi-nodejs:dynamic/cleandata:Migrations", "cleandata-migrations").inputs.runOnUp).toBe(true);
  });

  it("provisions storage for each configured project (by id or title), with no credential among the inputs", () => {
    const storages = staging.resources.filter((r) => r.type === "pulumi-nodejs:dynamic/labelstudio:ProjectStorage");
    expect(storages.map((s) => [s.name, s.inputs.project])).toEqual([
      ["project-storage-1", 1],
      ["project-storage-ner-data", "NER Data"],
    ]);
    expect(storages[0].inputs).toMatchObject({ labelStudioUrl: "https://label-staging.boathou.se", bucket: "labelstudio-goldfish-uploads-staging", endpoint: "https://minio.staging.example.invalid" });
    expect(Object.keys(storages[0].inputs).filter((k) => /token|key|secret/i.test(k))).toEqual([]);
    expect(prod.resources.some((r) => r.type === "pulumi-nodejs:dynamic/labelstudio:ProjectStorage")).toBe(false);
  });

  it("runs the provisioner CronJob only where enabled, through the egress proxy", () => {
    expect(prod.resources.some((r) => r.type === "kubernetes:batch/v1:CronJob")).toBe(false);
    const cronJob = findResource(staging, "kubernetes:batch/v1:CronJob", "storage-provisioner").inputs;
    const container = cronJob.spec.jobTemplate.spec.template.spec.containers[0];
    expect(cronJob.spec.schedule).toBe("*/15 * * * *");
    expect(container.image).toBe("ghcr.io/goldfish-inc/oceanid-provisioner:0.1.0");
    expect(container.env).toEqual(expect.arrayContaining([{ name: "HTTPS_PROXY", value: staging.outputs.egressProxyEnv.HTTPS_PROXY }]));
  });

  it("gives every aws, kubernetes and random resource an explicit provider (their defaults are disabled)", () => {
    for (const plan of [prod, staging]) {
      const governed = plan.resources.filter((r) => /^(aws|kubernetes|random):/.test(r.type));
      expect(governed.length).toBeGreaterThanOrEqual(20);
      expect(governed.filter((r) => r.provider === null).map((r) => `${r.type} ${r.name}`)).toEqual([]);
      expect(new Set(governed.map((r) => r.provider))).toEqual(new Set(["uploads", "cluster", "random"]));
    }
  });
});
