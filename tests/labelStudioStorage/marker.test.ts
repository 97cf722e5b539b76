import * as crypto from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { objectLocation, s3MarkerWriter } from "../../src/labelStudioStorage/marker";
import { S3_CREDENTIALS, S3_REGION, startS3Server, type S3Server } from "./s3Server";
import { FAST_RETRY } from "./world";

// Marker writes against s3rver behind a front that checks every SigV4 signature as S3 does
// (s3rver does not) and injects S3's throttling answers.

const BUCKET = "uploads";
let s3: S3Server;

beforeAll(async () => {
  s3 = await startS3Server([BUCKET]);
});
afterAll(async () => {
  await s3.close();
});

let front: Awaited<ReturnType<typeof s3Front>>;
beforeAll(async () => {
  front = await s3Front();
});
afterAll(async () => {
  await front.close();
});

const settings = () => ({ bucket: BUCKET, region: S3_REGION, endpoint: front.endpoint });

const bytes = (data: string | ArrayBuffer | ArrayBufferView) =>
  typeof data === "string" ? Buffer.from(data) : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);

/** node:crypto as the SDK's signer takes it (an HMAC when given a secret). */
class Sha256 {
  private readonly hash: crypto.Hash | crypto.Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? crypto.createHash("sha256") : crypto.createHmac("sha256", bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {}
}

/**
 * S3's SigV4 check, which s3rver leaves out ("Signature version 4 calculation is
 * unimplemented"): the signature the AWS SDK's own signer computes for the request as received
 * (its signed headers, its x-amz-date, the path as sent), with the registered secret.
 */
async function signatureProblem(req: http.IncomingMessage, body: Buffer, port: number): Promise<"InvalidAccessKeyId" | "SignatureDoesNotMatch" | undefined> {
  const authorization = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/s3\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(req.headers.authorization ?? "");
  if (!authorization) return "SignatureDoesNotMatch";
  const [, accessKeyId, region, signedHeaders] = authorization;
  if (accessKeyId !== S3_CREDENTIALS.accessKeyId) return "InvalidAccessKeyId";
  const headers = Object.fromEntries(signedHeaders!.split(";").map((name) => [name, String(req.headers[name] ?? "")]));
  const amzDate = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(req.headers["x-amz-date"] as string)!;
  const signingDate = new Date(Date.UTC(+amzDate[1]!, +amzDate[2]! - 1, +amzDate[3]!, +amzDate[4]!, +amzDate[5]!, +amzDate[6]!));
  const signer = new SignatureV4({ service: "s3", region: region!, credentials: S3_CREDENTIALS, sha256: Sha256, uriEscapePath: false });
  const signed = await signer.sign({ method: req.method!, protocol: "http:", hostname: "127.0.0.1", port, path: req.url!, query: {}, headers, body }, { signingDate });
  return signed.headers.authorization === req.headers.authorization ? undefined : "SignatureDoesNotMatch";
}

const s3Error = (res: http.ServerResponse, status: number, code: string, message: string, extra: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/xml", ...extra });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>r1</RequestId></Error>`);
};

/**
 * In front of s3rver, as S3: refuses a request whose SigV4 signature does not verify, answers
 * the first `throttled` requests with S3's 503 SlowDown, and forwards the rest unchanged.
 */
async function s3Front(throttled = 0, retryAfterSeconds?: number): Promise<{ endpoint: string; seen: () => number; close: () => Promise<void> }> {
  const target = new URL(s3.endpoint);
  let seen = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      seen++;
      const body = Buffer.concat(chunks);
      void signatureProblem(req, body, (server.address() as AddressInfo).port).then((problem) => {
        if (problem === "InvalidAccessKeyId") return s3Error(res, 403, problem, "The AWS Access Key Id you provided does not exist in our records.");
        if (problem) return s3Error(res, 403, problem, "The request signature we calculated does not match the signature you provided. Check your key and signing method.");
        if (seen <= throttled) return s3Error(res, 503, "SlowDown", "Please reduce your request rate.", retryAfterSeconds === undefined ? {} : { "retry-after": String(retryAfterSeconds) });
        const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        upstream.end(body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, seen: () => seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("objectLocation", () => {
  it("addresses AWS virtual-hosted at the bucket's region, and a bucket name with dots path-style", () => {
    expect(objectLocation({ bucket: "oceanid-uploads", region: "eu-west-1" }, "raw-uploads/fish-1/import/.oceanid-keep")).toEqual({
      origin: "https://oceanid-uploads.s3.eu-west-1.amazonaws.com",
      path: "/raw-uploads/fish-1/import/.oceanid-keep",
    });
    expect(objectLocation({ bucket: "uploads.example.org", region: "us-east-2" }, "a/.oceanid-keep")).toEqual({
      origin: "https://s3.us-east-2.amazonaws.com",
      path: "/uploads.example.org/a/.oceanid-keep",
    });
  });

  it("addresses a configured endpoint path-style under its own path, each key segment percent-encoded as SigV4 does", () => {
    expect(objectLocation({ bucket: "uploads", region: "us-east-1", endpoint: "http://minio.storage:9000/s3/" }, "raw uploads/Fïsh (1)+'*'/./.oceanid-keep")).toEqual({
      origin: "http://minio.storage:9000",
      path: "/s3/uploads/raw%20uploads/F%C3%AFsh%20%281%29%2B%27%2A%27/./.oceanid-keep",
    });
  });
});

describe("s3MarkerWriter", () => {
  it("writes the marker under the prefix with a signature S3 accepts, whatever characters the key holds", async () => {
    const writer = s3MarkerWriter(settings(), S3_CREDENTIALS, FAST_RETRY);
    const prefix = "raw uploads/Fïsh (1)+'chips'/import/";
    await writer.write(prefix);
    expect(await s3.keys(BUCKET, "raw uploads/")).toEqual([`${prefix}.oceanid-keep`]);
    const object = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${prefix}.oceanid-keep` }));
    expect(object.ContentType).toBe("text/plain");
    expect(await object.Body!.transformToString()).toMatch(/^Written by `oceanid provision`/);
    expect(writer.requestCount).toBe(1);
  });

  it("writes nothing for the bucket root", async () => {
    const writer = s3MarkerWriter(settings(), S3_CREDENTIALS, FAST_RETRY);
    await writer.write("");
    expect(writer.requestCount).toBe(0);
  });

  it("names S3's error code and message, at once and without the credentials, when S3 refuses", async () => {
    for (const [bucket, credentials, expected] of [
      ["no-such-bucket", S3_CREDENTIALS, /^writing marker s3:\/\/no-such-bucket\/p\/\.oceanid-keep failed: NoSuchBucket: The specified bucket does not exist$/],
      [BUCKET, { ...S3_CREDENTIALS, secretAccessKey: "wrong-secret" }, /^writing marker s3:\/\/uploads\/p\/\.oceanid-keep failed: SignatureDoesNotMatch: /],
      [BUCKET, { ...S3_CREDENTIALS, accessKeyId: "AKIAUNKNOWN" }, /^writing marker s3:\/\/uploads\/p\/\.oceanid-keep failed: InvalidAccessKeyId: /],
    ] as const) {
      const writer = s3MarkerWriter({ ...settings(), bucket }, credentials, FAST_RETRY);
      const error = await writer.write("p/").then(() => undefined, (e: unknown) => e as Error);
      expect(error?.message).toMatch(expected);
      expect(error?.message).not.toContain(S3_CREDENTIALS.secretAccessKey);
      expect(writer.requestCount).toBe(1);
    }
  });

  it("retries S3's throttling, waiting what Retry-After asks, then writes the marker", async () => {
    const proxy = await s3Front(2, 1);
    try {
      const waits: number[] = [];
      const writer = s3MarkerWriter({ ...settings(), endpoint: proxy.endpoint }, S3_CREDENTIALS, { ...FAST_RETRY, onWait: (wait) => waits.push(wait.delayMs) });
      await writer.write("throttled/");
      expect(await s3.keys(BUCKET, "throttled/")).toEqual(["throttled/.oceanid-keep"]);
      expect({ requests: writer.requestCount, seen: proxy.seen(), waits }).toEqual({ requests: 3, seen: 3, waits: [1000, 1000] });
    } finally {
      await proxy.close();
    }
  });

  it("gives up when the budget is spent, naming S3's last answer", async () => {
    const proxy = await s3Front(1_000);
    try {
      const writer = s3MarkerWriter({ ...settings(), endpoint: proxy.endpoint }, S3_CREDENTIALS, { ...FAST_RETRY, budgetMs: 200 });
      const error = await writer.write("p/").then(() => undefined, (e: unknown) => e as Error);
      expect(error?.message).toMatch(/^writing marker s3:\/\/uploads\/p\/\.oceanid-keep failed: SlowDown: Please reduce your request rate\. \(gave up after \d+ attempts/);
      expect(writer.requestCount).toBeGreaterThan(1);
    } finally {
      await proxy.close();
    }
  });

  it("retries a connection refused, and names it when nothing ever answers", async () => {
    const closed = await s3Front();
    await closed.close();
    const writer = s3MarkerWriter({ ...settings(), endpoint: closed.endpoint }, S3_CREDENTIALS, { ...FAST_RETRY, budgetMs: 200 });
    const error = await writer.write("p/").then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toMatch(/^writing marker s3:\/\/uploads\/p\/\.oceanid-keep failed: ECONNREFUSED \(gave up after \d+ attempts/);
    expect(writer.requestCount).toBeGreaterThan(1);
  });
});
