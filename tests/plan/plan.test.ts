import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { openedEnvironmentFile, planJson, runCli, type PlanJson } from "../harness/cli";

const sortResources = (plan: PlanJson) => [...plan.resources].sort((a, b) => `${a.type} ${a.name}`.localeCompare(`${b.type} ${b.name}`));

// Placeholder credentials from esc/default/*.yaml: none may appear in any plan output.
const PLACEHOLDER_SECRETS = ["example%40pass", "example@pass", "example-password", "hf_EXAMPLEnotARealToken0", "cbkey_example_not_real", "placeholder-not-a-real", "example-secret-access-key-not-real", "EXAMPLE-ACCESS-KEY-ID", "example-label-studio-token"];

describe("oceanid plan", () => {
  let prod: PlanJson;
  let prodText: string;

  beforeAll(async () => {
    prod = await planJson(["--stack", "prod"]);
    prodText = (await runCli(["plan", "--stack", "prod", "--full"])).stdout;
  });

  it("plans prod from its ESC environment, with explicit providers only", () => {
    expect(prod.stack).toBe("prod");
    const types = prod.resources.map((r) => r.type);
    expect(types).toContain("aws:s3/bucket:Bucket");
    expect(types).toContain("kubernetes:helm.sh/v3:Release");
    expect(types.filter((t) => t.startsWith("pulumi:providers:")).sort()).toEqual(["pulumi:providers:aws", "pulumi:providers:kubernetes", "pulumi:providers:random"]);
    expect(prod.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.name).toBe("oceanid-cluster-prod");
  });

  it("plans staging (other environment, S3-compatible endpoint, tcp-forward proxy)", async () => {
    const staging = await planJson(["--stack", "staging"]);
    const bucket = staging.resources.find((r) => r.type === "aws:s3/bucket:Bucket");
    expect(bucket?.inputs.bucket).toBe("labelstudio-goldfish-uploads-staging");
    expect(staging.resources.find((r) => r.type === "pulumi:providers:aws")?.inputs).toMatchObject({ s3UsePathStyle: "true" });
    expect(staging.outputs.uploadsBucket.endpoint).toBe("https://minio.staging.example.invalid");
  });

  it("registers identical inputs on a second evaluation (no perpetual diff)", async () => {
    const again = await planJson(["--stack", "prod"]);
    expect(sortResources(again)).toEqual(sortResources(prod));
    expect(again.outputs).toEqual(prod.outputs);
  });

  it("never prints a secret, in JSON or text", () => {
    const json = JSON.stringify(prod);
    for (const secret of PLACEHOLDER_SECRETS) {
      expect(json).not.toContain(secret);
      expect(prodText).not.toContain(secret);
    }
    expect(prod.outputs.cleandataInClusterUrl).toBe("[secret]");
    expect(prodText).toContain("+ kubernetes:helm.sh/v3:Release label-studio  (parent: label-studio)");
  });

  it("reads `esc env open --format json` output given with --esc-file, treating credentials as secrets", async () => {
    const host = "p.opened-cluster.db.postgresbridge.com";
    const file = openedEnvironmentFile({
      labelStudioDbUrl: `postgresql://labelfish_owner:opened-secret@${host}:5432/labelfish`,
      cleandataDbUrl: `postgresql://postgres:opened-secret@${host}:5432/cleandata`,
    });
    const opened = await planJson(["--stack", "prod", "--esc-file", file]);
    expect(JSON.stringify(opened)).not.toContain("opened-secret");
    expect(opened.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "egress-db-proxy")?.inputs.spec.template.spec.containers[0].command).toContain(
      `0.0.0.0:5432:${host}:5432`,
    );
  });

  it("exits non-zero listing every config problem with its ESC path", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oceanid-env-"));
    const file = path.join(dir, "broken.yaml");
    fs.writeFileSync(
      file,
      YAML.stringify({ values: { pulumiConfig: { "aws.labelStudio.bucketName": "Not_A_Bucket", "ocean-cluster:aws.labelStudio.region": "us-east-1", hfDatasetRepo: { "fn::secret": "x/y" } } } }),
    );
    const result = await runCli(["plan", "--stack", "prod", "--esc-file", file]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^oceanid: Invalid stack configuration \(\d+ problems\):/);
    for (const key of [
      "pulumiConfig.oceanid-cluster:aws.labelStudio.bucketName",
      "pulumiConfig.ocean-cluster:aws.labelStudio.region",
      "pulumiConfig.oceanid-cluster:hfDatasetRepo",
      "pulumiConfig.oceanid-cluster:kubeconfig",
      "pulumiConfig.oceanid-cluster:labelStudioDbUrl",
    ]) {
      expect(result.stderr).toContain(`  - ${key}: `);
    }
    expect(result.stderr).not.toMatch(/\n\s+at /); // a usage error, not a stack trace
  });

  it("reports a ${...} that does not resolve together with every other problem", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oceanid-env-"));
    const file = path.join(dir, "unresolved.yaml");
    fs.writeFileSync(
      file,
      [
        "imports: [oceanid-cluster]",
        "values:",
        "  pulumiConfig:",
        "    labelStudio.hostname: ${dns.labelHost}",
        "    aws.labelStudio.bucketName: Not_A_Bucket",
        "    aws.labelStudio.accessKeyId: { fn::secret: '' }",
        "    egress.publicIp: 157.173.210",
        "    labelStudioDbUrl: { fn::secret: 'postgresql://ls:pw@${crunchy.host}:5432/cleandata?sslmode=require' }",
      ].join("\n"),
    );
    const result = await runCli(["plan", "--stack", "prod", "--esc-file", file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^oceanid: Invalid stack configuration \(5 problems\):/);
    expect(result.stderr).toContain("  - pulumiConfig.oceanid-cluster:labelStudio.hostname: holds ${dns.labelHost}, which does not resolve");
    expect(result.stderr).toContain("  - pulumiConfig.oceanid-cluster:aws.labelStudio.bucketName: ");
    expect(result.stderr).toContain("  - pulumiConfig.oceanid-cluster:aws.labelStudio.accessKeyId: is set but empty");
    expect(result.stderr).toContain("  - pulumiConfig.oceanid-cluster:egress.publicIp: ");
    expect(result.stderr).toContain("  - pulumiConfig.oceanid-cluster:labelStudioDbUrl: names the cleandata database");
    expect(result.stderr).not.toContain("cleandataDbUrl");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("names the missing stack file and the stacks that exist", async () => {
    const result = await runCli(["plan", "--stack", "qa"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Pulumi.qa.yaml not found; known stacks: prod, staging");
  });

  it("prints a summary a reviewer can read: resources per component and type, warnings, the full listing behind --full", async () => {
    const summary = (await runCli(["plan", "--stack", "prod"])).stdout;
    expect(summary.split("\n").length).toBeLessThan(60);
    expect(summary).toMatch(/^Stack prod: 34 resources, 0 warnings\n/);
    expect(summary).toContain("uploads (oceanid:uploads:Bucket): 8\n    1  aws:s3/bucket:Bucket\n");
    expect(summary).toContain("egress-gateway (oceanid:egress:Gateway): 6\n");
    expect(summary).toContain("    2  kubernetes:networking.k8s.io/v1:NetworkPolicy");
    expect(summary).toContain("oceanid plan --stack prod --full");
    expect(summary).not.toContain("spec:");
    expect(prodText.startsWith(summary.slice(0, summary.indexOf("Every input")))).toBe(true);
    expect(prodText.split("\n").length).toBeGreaterThan(500);

    const staging = await runCli(["plan", "--stack", "staging"]);
    expect(staging.stdout).toMatch(/^Stack staging: \d+ resources, [1-9]\d* warnings?\n/);
    expect(staging.stdout).toMatch(/\nWarnings:\n {2}- uploads bucket: /);
    expect(staging.stderr).toBe("");
  });

  it("has --help", async () => {
    const result = await runCli(["plan", "--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("--esc-file <file>");
  });
});
