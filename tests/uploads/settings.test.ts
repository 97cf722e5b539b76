import { describe, expect, it } from "vitest";
import { basePrefix, bucketSettings, denyInsecureTransportPolicy } from "../../src/uploads/settings";

const lifecycle = { abortIncompleteUploadDays: 7, importNoncurrentDays: 30, exportNoncurrentDays: 90 };

describe("basePrefix", () => {
  it.each([
    ["raw-uploads", "raw-uploads/"],
    ["raw-uploads/", "raw-uploads/"],
    ["projects/{project}/import", "projects/"],
    ["data//imports/{project_id}", "data/imports/"],
    ["{project}/import", ""],
    ["raw-{project}", ""],
  ])("%s → %s", (template, expected) => expect(basePrefix(template)).toBe(expected));
});

describe("bucketSettings", () => {
  it("scopes noncurrent-version expiry by the import and export base prefixes, and aborts stale multipart uploads bucket-wide", () => {
    const { lifecycleRules } = bucketSettings({ corsOrigins: ["https://label.example.com"], importPrefix: "raw-uploads", exportPrefix: "exports/{project}", lifecycle });
    expect(lifecycleRules).toEqual([
      { id: "abort-incomplete-multipart-uploads", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
      { id: "expire-noncurrent-imports", status: "Enabled", filter: { prefix: "raw-uploads/" }, noncurrentVersionExpiration: { noncurrentDays: 30 } },
      { id: "expire-noncurrent-exports", status: "Enabled", filter: { prefix: "exports/" }, noncurrentVersionExpiration: { noncurrentDays: 90 } },
    ]);
  });

  it("allows presigned browser access from the Label Studio origin only, exposing ETag", () => {
    const { cors } = bucketSettings({ corsOrigins: ["https://b.example.com", "https://a.example.com", "https://b.example.com"], importPrefix: "i", exportPrefix: "e", lifecycle });
    expect(cors).toEqual([
      {
        allowedOrigins: ["https://a.example.com", "https://b.example.com"],
        allowedMethods: ["GET", "HEAD", "POST", "PUT"],
        allowedHeaders: ["Authorization", "Content-Disposition", "Content-MD5", "Content-Type", "Range", "x-amz-*"],
        exposeHeaders: ["ETag"],
        maxAgeSeconds: 3600,
      },
    ]);
  });

  it("skips only what an S3-compatible endpoint cannot honour", () => {
    expect(bucketSettings({ corsOrigins: [], importPrefix: "i", exportPrefix: "e", lifecycle }).skipped).toEqual([]);
    const minio = bucketSettings({ corsOrigins: [], importPrefix: "i", exportPrefix: "e", lifecycle, endpoint: "http://minio:9000" });
    expect(minio.skipped.map((s) => s.feature)).toEqual(["cors", "publicAccessBlock", "ownershipControls", "serverSideEncryption"]);
    expect(minio.lifecycleRules).toHaveLength(3);
  });
});

describe("denyInsecureTransportPolicy", () => {
  it("denies every non-TLS request on the bucket and its objects", () => {
    expect(JSON.parse(denyInsecureTransportPolicy("arn:aws:s3:::b"))).toEqual({
      Version: "2012-10-17",
      Statement: [{ Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], Condition: { Bool: { "aws:SecureTransport": "false" } } }],
    });
  });
});
