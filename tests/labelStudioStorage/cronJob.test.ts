import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ProvisionerCronJob, type ProvisionerCronJobArgs } from "../../src/labelStudioStorage/cronJob";
import { STORAGE_DEFAULTS } from "../../src/labelStudioStorage/defaults";
import { runUnderMocks } from "../../src/plan/mockRuntime";

const SECRETS = { apiToken: "ls-token-0123456789abcdef", accessKeyId: "AKIACRONJOBTEST", secretAccessKey: "cronjob/secret+key" };
const options = (showSecrets: boolean) => ({ project: "oceanid-cluster", stack: "test", config: {}, secretKeys: [], showSecrets });

function args(): ProvisionerCronJobArgs {
  return {
    namespace: "label-studio",
    schedule: "*/15 * * * *",
    image: "ghcr.io/oceanid/provisioner:1.0.0",
    labelStudioUrl: "https://label.example.com",
    bucket: "labelstudio-goldfish-uploads",
    region: "us-east-1",
    ...STORAGE_DEFAULTS,
    apiToken: pulumi.secret(SECRETS.apiToken),
    accessKeyId: pulumi.secret(SECRETS.accessKeyId),
    secretAccessKey: pulumi.secret(SECRETS.secretAccessKey),
    proxyEnv: { HTTPS_PROXY: "http://egress.proxy:3128", HTTP_PROXY: "http://egress.proxy:3128", NO_PROXY: ".svc,.cluster.local" },
  };
}

describe("ProvisionerCronJob", () => {
  it("registers a Secret and a Forbid CronJob under the component, env from the Secret by reference", async () => {
    const run = await runUnderMocks(options(false), () => {
      new ProvisionerCronJob("ls-provisioner", args());
      return {};
    });
    const mine = run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
    expect(mine.map((r) => [r.type, r.name, r.parent])).toEqual([
      ["oceanid:labelstudio:ProvisionerCronJob", "ls-provisioner", "oceanid-cluster-test"],
      ["kubernetes:core/v1:Secret", "ls-provisioner-credentials", "ls-provisioner"],
      ["kubernetes:batch/v1:CronJob", "ls-provisioner", "ls-provisioner"],
    ]);
    const [, secret, cronJob] = mine;
    expect(secret.inputs).toMatchObject({ metadata: { name: "ls-provisioner-credentials", namespace: "label-studio" }, type: "Opaque", stringData: "[secret]" });
    const spec = cronJob.inputs.spec as Record<string, any>;
    expect(cronJob.inputs.metadata).toMatchObject({ namespace: "label-studio" });
    expect(spec).toMatchObject({ schedule: "*/15 * * * *", concurrencyPolicy: "Forbid" });
    const container = spec.jobTemplate.spec.template.spec.containers[0];
    expect(container).toMatchObject({ image: "ghcr.io/oceanid/provisioner:1.0.0", command: ["node", "/app/bin/oceanid.cjs", "provision", "--all", "--json"] });
    expect(container.env).toEqual([
      { name: "AWS_REGION", value: "us-east-1" },
      { name: "EXPORT_PREFIX", value: "annotations" },
      { name: "EXPORT_TITLE", value: STORAGE_DEFAULTS.exportTitle },
      { name: "HTTPS_PROXY", value: "http://egress.proxy:3128" },
      { name: "HTTP_PROXY", value: "http://egress.proxy:3128" },
      { name: "IMPORT_PREFIX", value: "raw-uploads" },
      { name: "IMPORT_REGEX", value: STORAGE_DEFAULTS.importRegex },
      { name: "IMPORT_TITLE", value: STORAGE_DEFAULTS.importTitle },
      { name: "LABEL_STUDIO_URL", value: "https://label.example.com" },
      { name: "NO_PROXY", value: ".svc,.cluster.local" },
      { name: "S3_BUCKET", value: "labelstudio-goldfish-uploads" },
      ...["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "LABEL_STUDIO_TOKEN"].map((key) => ({ name: key, valueFrom: { secretKeyRef: { key, name: "ls-provisioner-credentials" } } })),
    ]);
  });

  it("keeps every credential out of the CronJob, even with secrets shown", async () => {
    const run = await runUnderMocks(options(true), () => {
      new ProvisionerCronJob("ls-provisioner", args());
      return {};
    });
    const cronJob = run.resources.find((r) => r.type === "kubernetes:batch/v1:CronJob")!;
    const secret = run.resources.find((r) => r.type === "kubernetes:core/v1:Secret")!;
    for (const value of Object.values(SECRETS)) expect(JSON.stringify(cronJob.inputs)).not.toContain(value);
    expect(secret.inputs.stringData).toEqual({ AWS_ACCESS_KEY_ID: SECRETS.accessKeyId, AWS_SECRET_ACCESS_KEY: SECRETS.secretAccessKey, LABEL_STUDIO_TOKEN: SECRETS.apiToken });
  });

  it("rejects proxy variables it does not know before registering anything", async () => {
    const errors: string[] = [];
    const run = await runUnderMocks(options(false), () => {
      try {
        new ProvisionerCronJob("ls-provisioner", { ...args(), proxyEnv: { HTTP_PROXY: "http://p:3128", FTP_PROXY: "x" } });
      } catch (err) {
        errors.push((err as Error).message);
      }
      return {};
    });
    expect(errors).toEqual(["ProvisionerCronJob ls-provisioner: proxyEnv may only hold HTTP_PROXY, HTTPS_PROXY, NO_PROXY, http_proxy, https_proxy, no_proxy; got FTP_PROXY"]);
    expect(run.resources.map((r) => r.type).filter((type) => type !== "pulumi:pulumi:Stack")).toEqual([]);
  });
});
