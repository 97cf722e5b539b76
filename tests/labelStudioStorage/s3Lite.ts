import { createHash, createHmac } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";

/*
 * The two S3 calls the fake Label Studio makes for its storages (boto3's `list_objects_v2` and
 * `head_bucket`), signed with SigV4 and sent over a keep-alive agent. The AWS SDK costs ~1-2 ms
 * of CPU per call; in the bench those calls run inside every new project's creates and sync, so
 * the SDK's own cost sat on the critical path and was counted against the client. This costs a
 * fraction of that, and still asks the real S3 server with the storage's keys and endpoint.
 */

export interface S3LiteConfig {
  /** e.g. http://127.0.0.1:9000; without one, AWS's regional endpoint. */
  endpoint?: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** An S3 error answer: `code` from the XML body (HEAD answers have none: then the status's name). */
export interface S3LiteError extends Error {
  name: "S3LiteError";
  status: number;
  code: string;
}

export interface ListObjectsV2Result {
  KeyCount: number;
  IsTruncated: boolean;
  Contents: Array<{ Key: string }>;
  CommonPrefixes: Array<{ Prefix: string }>;
}

export interface S3Lite {
  listObjectsV2(params: { Bucket: string; Prefix?: string; Delimiter?: string; MaxKeys?: number }): Promise<ListObjectsV2Result>;
  headBucket(bucket: string): Promise<void>;
  destroy(): void;
}

const EMPTY_SHA256 = createHash("sha256").update("").digest("hex");

export function s3Lite(config: S3LiteConfig): S3Lite {
  const base = new URL(config.endpoint ?? `https://s3.${config.region}.amazonaws.com`);
  const transport = base.protocol === "https:" ? https : http;
  const agent = new transport.Agent({ keepAlive: true });

  function send(method: "GET" | "HEAD", bucket: string, query: Record<string, string>): Promise<{ status: number; body: string }> {
    const path = `/${encodeRfc3986(bucket)}`;
    const search = Object.keys(query)
      .sort()
      .map((key) => `${encodeRfc3986(key)}=${encodeRfc3986(query[key])}`)
      .join("&");
    const headers = signedHeaders(config, method, base.host, path, search);
    return new Promise((resolve, reject) => {
      const req = transport.request({ protocol: base.protocol, hostname: base.hostname, port: base.port, method, path: search ? `${path}?${search}` : path, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    });
  }

  async function call(method: "GET" | "HEAD", bucket: string, query: Record<string, string>): Promise<string> {
    const { status, body } = await send(method, bucket, query);
    if (status >= 200 && status < 300) return body;
    const code = tag(body, "Code") ?? http.STATUS_CODES[status]?.replace(/ /g, "") ?? "Unknown";
    throw Object.assign(new Error(`${code}: ${tag(body, "Message") ?? `S3 answered ${status}`}`), { name: "S3LiteError", status, code }) as S3LiteError;
  }

  return {
    async listObjectsV2({ Bucket, Prefix, Delimiter, MaxKeys }) {
      const query: Record<string, string> = { "list-type": "2" };
      if (Prefix) query.prefix = Prefix;
      if (Delimiter) query.delimiter = Delimiter;
      if (MaxKeys !== undefined) query["max-keys"] = String(MaxKeys);
      const xml = await call("GET", Bucket, query);
      return {
        KeyCount: Number(tag(xml, "KeyCount") ?? 0),
        IsTruncated: tag(xml, "IsTruncated") === "true",
        Contents: blocks(xml, "Contents").map((block) => ({ Key: tag(block, "Key")! })),
        CommonPrefixes: blocks(xml, "CommonPrefixes").map((block) => ({ Prefix: tag(block, "Prefix")! })),
      };
    },
    async headBucket(bucket) {
      await call("HEAD", bucket, {});
    },
    destroy: () => agent.destroy(),
  };
}

export const isS3LiteError = (err: unknown): err is S3LiteError => err instanceof Error && err.name === "S3LiteError";

/** SigV4 headers for a bodiless request (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html). */
export function signedHeaders(config: S3LiteConfig, method: string, host: string, path: string, canonicalQuery: string, now = new Date()): Record<string, string> {
  const amzDate = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = { host, "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": amzDate };
  const names = Object.keys(headers).sort();
  const canonicalRequest = [method, path, canonicalQuery, ...names.map((n) => `${n}:${headers[n]}`), "", names.join(";"), EMPTY_SHA256].join("\n");
  const scope = `${day}/${config.region}/s3/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, createHash("sha256").update(canonicalRequest).digest("hex")].join("\n");
  const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();
  const signingKey = ["s3", "aws4_request"].reduce(hmac, hmac(hmac(`AWS4${config.credentials.secretAccessKey}`, day), config.region));
  const signature = createHmac("sha256", signingKey).update(stringToSign).digest("hex");
  const { host: _host, ...sent } = headers;
  return { ...sent, authorization: `AWS4-HMAC-SHA256 Credential=${config.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}` };
}

function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The text of the first <name> element, XML entities decoded. */
function tag(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return match ? decodeXml(match[1]) : undefined;
}

function blocks(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, "g"))].map((m) => m[1]);
}

function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, entity: string) => {
    const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
    if (entity[0] !== "#") return named[entity.toLowerCase()];
    return String.fromCodePoint(entity[1].toLowerCase() === "x" ? parseInt(entity.slice(2), 16) : Number(entity.slice(1)));
  });
}
