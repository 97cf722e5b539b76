import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { S3MemoryStore } from "./s3MemoryStore";
// s3rver ships no types; its API here is `new S3rver(opts).run()` → address, `.close()`.
const S3rver = require("s3rver") as new (options: Record<string, unknown>) => {
  store: unknown;
  context: { store: unknown };
  /** Koa's middleware list, composed when the server starts. */
  middleware: Array<(ctx: unknown, next: () => Promise<void>) => Promise<void>>;
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
};

/**
 * A key pair registered with s3rver's account (see startS3Server); distinct values so tests can
 * tell whether the secret leaked. Any unknown access key id is answered 403 InvalidAccessKeyId.
 */
export const S3_CREDENTIALS = { accessKeyId: "AKIAOCEANIDTEST0001", secretAccessKey: "s3cr3t-Oceanid-test-key/do+not+leak" };
export const S3_REGION = "us-east-1";

export interface S3Server {
  endpoint: string;
  client: S3Client;
  put(bucket: string, key: string, body?: string): Promise<void>;
  /** Every key under a prefix. */
  keys(bucket: string, prefix?: string): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * s3rver 3.7.1 encrypts ListObjectsV2 continuation tokens with single DES, which OpenSSL 3
 * (Node 17+) no longer provides, so every *truncated* listing answers InternalError — and
 * Label Studio's prefix check (`MaxKeys=1`) is truncated as soon as a prefix holds two objects.
 * s3rver only needs the token to round-trip, so its "des" is mapped to 3DES (same 8-byte
 * block and IV) with the key repeated. Only the "des" name is touched, which fails anyway.
 */
function mapS3rverDesTo3des(): void {
  // The CommonJS exports object s3rver's `require("crypto")` gets (an ESM namespace is frozen).
  const crypto = require("node:crypto") as Record<string, (...args: unknown[]) => unknown> & { oceanidDesMapped?: boolean };
  if (crypto.oceanidDesMapped) return;
  for (const name of ["createCipheriv", "createDecipheriv"]) {
    const original = crypto[name];
    crypto[name] = (algorithm: unknown, key: unknown, ...rest: unknown[]) =>
      algorithm === "des" ? original("des-ede3-cbc", Buffer.concat([key as Buffer, key as Buffer, key as Buffer]), ...rest) : original(algorithm, key, ...rest);
  }
  crypto.oceanidDesMapped = true;
}

/**
 * Where s3rver keeps its objects: tmpfs (/dev/shm) when there is one. s3rver stores every object
 * as three files and answers each listing by walking the bucket's directories with a `stat` per
 * entry, so on a disk its operations cost several times more CPU.
 */
function scratchDirectory(): string {
  try {
    fs.accessSync("/dev/shm", fs.constants.W_OK);
    return "/dev/shm";
  } catch {
    return os.tmpdir();
  }
}

export interface S3ServerOptions {
  /**
   * "filesystem" (s3rver's own store, on tmpfs when there is one) or "memory" (S3MemoryStore:
   * same answers, none of the per-request file system work; for benchmarks).
   */
  store?: "filesystem" | "memory";
}

export async function startS3Server(buckets: string[], options: S3ServerOptions = {}): Promise<S3Server> {
  mapS3rverDesTo3des();
  const { DUMMY_ACCOUNT } = require("s3rver/lib/models/account") as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } };
  DUMMY_ACCOUNT.createKeyPair(S3_CREDENTIALS.accessKeyId, S3_CREDENTIALS.secretAccessKey);
  const inMemory = options.store === "memory";
  const directory = inMemory ? undefined : fs.mkdtempSync(path.join(scratchDirectory(), "oceanid-s3rver-"));
  const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  // s3rver reads its store from both the app (middleware) and the request context (controllers).
  if (inMemory) server.store = server.context.store = new S3MemoryStore();
  // Silent, s3rver still formats a koa-logger line (colours, sizes, times) for every request
  // before winston drops it: a sixth of its CPU per request. Its first middleware; skipped.
  if (server.middleware[0]?.name === "logger") server.middleware[0] = (_ctx: unknown, next: () => Promise<void>) => next();
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: S3_REGION, forcePathStyle: true, credentials: S3_CREDENTIALS, requestChecksumCalculation: "WHEN_REQUIRED" });
  return {
    endpoint,
    client,
    async put(bucket, key, body = "x") {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async keys(bucket, prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((o) => o.Key!));
        token = page.NextContinuationToken;
      } while (token);
      return keys.sort();
    },
    async close() {
      client.destroy();
      await server.close();
      if (directory) fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
