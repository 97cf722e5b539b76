import { beforeAll, describe, expect, it } from "vitest";
import { findResource, planJson, runCli, type PlanJson } from "../harness/cli";

const BUCKET = "labelstudio-goldfish-uploads";

describe("UploadsBucket in the prod plan", () => {
  let plan: PlanJson;
  beforeAll(async () => {
    plan = await planJson(["--stack", "prod"]);
  });
  const inputs = (type: string, name: string) => findResource(plan, type, name).inputs;

  it("uses the aws v7 resource types, never the deprecated V2 names or inline bucket args", () => {
    const s3 = plan.resources.filter((r) => r.type.startsWith("aws:s3/")).map((r) => r.type).sort();
    expect(s3).toEqual(
      [
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketVersioning:BucketVersioning",
      ].sort(),
    );
    const bucket = inputs("aws:s3/bucket:Bucket", "uploads");
    expect(bucket).toEqual({ bucket: BUCKET, forceDestroy: false });
    expect(plan.resources.filter((r) => r.parent === "uploads").length).toBe(8);
  });

  it("is private: public access blocked, owner-enforced, encrypted, TLS only", () => {
    expect(inputs("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "uploads-public-access")).toEqual({
      bucket: BUCKET,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(inputs("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "uploads-ownership").rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });
    expect(inputs("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "uploads-encryption").rules).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true },
    ]);
    const policy = JSON.parse(inputs("aws:s3/bucketPolicy:BucketPolicy", "uploads-tls-only").policy);
    expect(policy.Statement[0]).toMatchObject({ Effect: "Deny", Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } });
  });

  it("allows the Label Studio origin and scopes lifecycle rules by the configured prefixes", () => {
    const [cors] = inputs("aws:s3/bucketCorsConfiguration:BucketCorsConfiguration", "uploads-cors").corsRules;
    expect(cors.allowedOrigins).toEqual(["https://label.boathou.se"]);
    expect(cors.allowedMethods).toEqual(["GET", "HEAD", "POST", "PUT"]);
    const rules = inputs("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "uploads-lifecycle").rules;
    expect(rules.map((r: { filter: { prefix?: string } }) => r.filter.prefix ?? "(bucket)")).toEqual(["(bucket)", "raw-uploads/", "annotations/"]);
  });

  it("exports name, ARN, region and endpoint", () => {
    expect(plan.outputs.uploadsBucket).toEqual({ name: BUCKET, arn: `arn:aws:s3:::${BUCKET}`, region: "us-east-1", endpoint: null });
  });
});

describe("UploadsBucket on an S3-compatible endpoint (staging)", () => {
  it("configures the provider for the endpoint and skips what it cannot honour, with a warning each", async () => {
    const result = await runCli(["plan", "--stack", "staging", "--json"]);
    expect(result.status).toBe(0);
    const plan = JSON.parse(result.stdout) as PlanJson;
    expect(findResource(plan, "pulumi:providers:aws", "uploads").inputs).toMatchObject({
      endpoints: JSON.stringify([{ s3: "https://minio.staging.example.invalid" }]),
      s3UsePathStyle: "true",
      skipCredentialsValidation: "true",
      skipRequestingAccountId: "true",
    });
    const types = plan.resources.map((r) => r.type);
    for (const skipped of ["BucketCorsConfiguration", "BucketPublicAccessBlock", "BucketOwnershipControls", "BucketServerSideEncryptionConfiguration"]) {
      expect(types.some((t) => t.endsWith(`:${skipped}`))).toBe(false);
    }
    expect(types).toContain("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
    expect(result.stderr.match(/uploads bucket: \w+ skipped on https:\/\/minio\.staging\.example\.invalid/g)).toHaveLength(4);
  });
});
