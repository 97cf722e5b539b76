import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startS3Server, type S3Server } from "./s3Server";

const BUCKET = "parity";
const KEYS = ["raw-uploads/a-1/import/.oceanid-keep", "raw-uploads/a-1/import/x.jpg", "raw-uploads/a-1/import/nested/y.jpg", "raw-uploads/b-2/import/.oceanid-keep", "annotations/a-1/export/1", "top.txt"];

// The same requests against s3rver's filesystem store and the in-memory one the bench uses.
let servers: Record<"filesystem" | "memory", S3Server>;
beforeAll(async () => {
  servers = { filesystem: await startS3Server([BUCKET]), memory: await startS3Server([BUCKET], { store: "memory" }) };
  for (const { client } of Object.values(servers)) {
    for (const key of KEYS) await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `body of ${key}`, ContentType: "text/plain", Metadata: { origin: "test" } }));
  }
});
afterAll(async () => {
  for (const server of Object.values(servers ?? {})) await server.close();
});

/** The answer of one request on each store, without what differs by nature (dates, request ids). */
async function onBoth(request: (client: S3Client) => Promise<unknown>): Promise<{ filesystem: unknown; memory: unknown }> {
  const strip = (value: unknown): unknown =>
    value === undefined ? undefined : JSON.parse(JSON.stringify(value, (key, v: unknown) => (["$metadata", "LastModified", "NextContinuationToken", "Body"].includes(key) ? undefined : v)));
  const answer = (client: S3Client) =>
    request(client).then(strip, (err: { name?: string; $metadata?: { httpStatusCode?: number } }) => ({ error: err.name, status: err.$metadata?.httpStatusCode }));
  return { filesystem: await answer(servers.filesystem.client), memory: await answer(servers.memory.client) };
}

async function expectSame(request: (client: S3Client) => Promise<unknown>): Promise<unknown> {
  const { filesystem, memory } = await onBoth(request);
  expect(memory).toEqual(filesystem);
  return memory;
}

describe("S3MemoryStore answers like s3rver's filesystem store", () => {
  it("lists: prefix, delimiter, Label Studio's MaxKeys=1 check, paging", async () => {
    // Sorted for the comparison: the filesystem store lists in directory order, S3 and the memory store in key order.
    const sorted = (r: { Contents?: Array<{ Key?: string }>; CommonPrefixes?: Array<{ Prefix?: string }> }) => ({
      ...r,
      Contents: r.Contents?.sort((a, b) => (a.Key! < b.Key! ? -1 : 1)),
      CommonPrefixes: r.CommonPrefixes?.sort((a, b) => (a.Prefix! < b.Prefix! ? -1 : 1)),
    });
    const all = await expectSame(async (c) => sorted(await c.send(new ListObjectsV2Command({ Bucket: BUCKET }))));
    expect((all as { KeyCount: number }).KeyCount).toBe(KEYS.length);
    await expectSame(async (c) => sorted(await c.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "raw-uploads/a-1/import/", Delimiter: "/" }))));
    // s3rver's directory walk misses common prefixes whose keys lie more than one level further
    // down; S3 and the memory store find them. (Label Studio's sync lists keys right under the prefix.)
    const deep = await onBoth(async (c) => (await c.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "raw-uploads/", Delimiter: "/" }))).CommonPrefixes);
    expect(deep).toEqual({ filesystem: undefined, memory: [{ Prefix: "raw-uploads/a-1/" }, { Prefix: "raw-uploads/b-2/" }] });
    const root = await onBoth(async (c) => (await c.send(new ListObjectsV2Command({ Bucket: BUCKET, Delimiter: "/" }))).CommonPrefixes);
    expect(root).toEqual({ filesystem: undefined, memory: [{ Prefix: "annotations/" }, { Prefix: "raw-uploads/" }] });
    await expectSame(async (c) => (await c.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "annotations/b-2/export/", MaxKeys: 1 }))).KeyCount);
    const truncated = await expectSame(async (c) => {
      const page = await c.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "raw-uploads/a-1/import/", MaxKeys: 1 }));
      return { KeyCount: page.KeyCount, IsTruncated: page.IsTruncated, next: Boolean(page.NextContinuationToken) };
    });
    expect(truncated).toEqual({ KeyCount: 1, IsTruncated: true, next: true });
    // Paging with continuation tokens reaches every key once.
    await expectSame(async (c) => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await c.send(new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 2, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((o) => o.Key!));
        token = page.NextContinuationToken;
      } while (token);
      return keys.sort();
    });
  });

  it("reads, heads, copies and deletes objects, and answers errors as S3 documents them", async () => {
    // Each answer is checked against S3's documented behaviour, not only against the other store.
    const key = "raw-uploads/a-1/import/x.jpg";
    expect(await expectSame((c) => c.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })))).toMatchObject({ ContentLength: `body of ${key}`.length, ContentType: "text/plain", Metadata: { origin: "test" } });
    expect(await expectSame(async (c) => (await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString())).toBe(`body of ${key}`);
    // Range is inclusive at both ends (RFC 9110): bytes 2..5 are four bytes.
    expect(await expectSame(async (c) => (await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, Range: "bytes=2-5" }))).Body!.transformToString())).toBe("dy o");
    expect(await expectSame((c) => c.send(new HeadBucketCommand({ Bucket: BUCKET })))).not.toHaveProperty("error");
    // HEAD has no body, so S3 names no error code: the SDK reports NotFound; GET answers NoSuchKey.
    expect(await expectSame((c) => c.send(new HeadBucketCommand({ Bucket: "no-such-bucket" })))).toEqual({ error: "NotFound", status: 404 });
    expect(await expectSame((c) => c.send(new GetObjectCommand({ Bucket: BUCKET, Key: "missing" })))).toEqual({ error: "NoSuchKey", status: 404 });
    await expectSame((c) => c.send(new CopyObjectCommand({ Bucket: BUCKET, Key: "copied.txt", CopySource: `${BUCKET}/top.txt` })));
    expect(await expectSame((c) => c.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "copied.txt" })))).toMatchObject({ ContentLength: "body of top.txt".length });
    await expectSame((c) => c.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "copied.txt" })));
    expect(await expectSame((c) => c.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "copied.txt" })))).toEqual({ error: "NotFound", status: 404 });
  });
});
