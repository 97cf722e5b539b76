import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isS3LiteError, s3Lite, signedHeaders, type S3Lite } from "./s3Lite";
import { S3_CREDENTIALS, S3_REGION, startS3Server, type S3Server } from "./s3Server";

const BUCKET = "lite";
let server: S3Server;
let lite: S3Lite;
beforeAll(async () => {
  server = await startS3Server([BUCKET]);
  lite = s3Lite({ endpoint: server.endpoint, region: S3_REGION, credentials: S3_CREDENTIALS });
  for (const key of ["p/a&b.jpg", "p/.keep", "p/nested/c.jpg", "q/d.jpg"]) await server.put(BUCKET, key);
});
afterAll(async () => {
  lite?.destroy();
  await server?.close();
});

describe("s3Lite", () => {
  it("signs AWS's documented SigV4 example (GET Bucket, max-keys=2&prefix=J) to its published signature", () => {
    const credentials = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
    const headers = signedHeaders({ region: "us-east-1", credentials }, "GET", "examplebucket.s3.amazonaws.com", "/", "max-keys=2&prefix=J", new Date("2013-05-24T00:00:00Z"));
    expect(headers).toEqual({
      "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "x-amz-date": "20130524T000000Z",
      authorization:
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, " +
        "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
    });
  });

  it("lists like the AWS SDK: Label Studio's MaxKeys=1 check and its sync listing", async () => {
    for (const params of [{ Prefix: "p/", MaxKeys: 1 }, { Prefix: "p/", Delimiter: "/" }, { Prefix: "empty/", MaxKeys: 1 }, {}]) {
      const sdk = await server.client.send(new ListObjectsV2Command({ Bucket: BUCKET, ...params }));
      const ours = await lite.listObjectsV2({ Bucket: BUCKET, ...params });
      expect(ours).toEqual({
        KeyCount: sdk.KeyCount,
        IsTruncated: sdk.IsTruncated,
        Contents: (sdk.Contents ?? []).map((o) => ({ Key: o.Key })),
        CommonPrefixes: (sdk.CommonPrefixes ?? []).map((p) => ({ Prefix: p.Prefix })),
      });
    }
  });

  it("reports a missing bucket and unknown keys the way validation tells them apart", async () => {
    await expect(lite.headBucket(BUCKET)).resolves.toBeUndefined();
    const missing = await lite.headBucket("no-such-bucket").catch((e: unknown) => e);
    expect(isS3LiteError(missing) && [missing.status, missing.code]).toEqual([404, "NotFound"]);
    const listMissing = await lite.listObjectsV2({ Bucket: "no-such-bucket" }).catch((e: unknown) => e);
    expect(isS3LiteError(listMissing) && [listMissing.status, listMissing.code]).toEqual([404, "NoSuchBucket"]);
    const stranger = s3Lite({ endpoint: server.endpoint, region: S3_REGION, credentials: { accessKeyId: "AKIAUNKNOWN", secretAccessKey: "x" } });
    const refused = await stranger.listObjectsV2({ Bucket: BUCKET }).catch((e: unknown) => e);
    stranger.destroy();
    expect(isS3LiteError(refused) && [refused.status, refused.code]).toEqual([403, "InvalidAccessKeyId"]);
  });
});
