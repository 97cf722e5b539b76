import * as http from "node:http";
import * as https from "node:https";
import * as aws4 from "aws4";
import { XMLParser } from "fast-xml-parser";

/*
 * The two S3 calls the fake Label Studio makes for its storages (boto3's `list_objects_v2` and
 * `head_bucket`), signed with SigV4 and sent over a keep-alive agent. The AWS SDK costs ~1-2 ms
 * of CPU per call; in the bench those calls run inside every new project's creates and sync, so
 * the SDK's own cost sat on the critical path and was counted against the client. This costs a
 * fraction of that, and still asks the real S3 server with the storage's keys and endpoint.
 * Signing is aws4's, XML parsing fast-xml-parser's.
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

const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const xml = new XMLParser({ isArray: (name) => name === "Contents" || name === "CommonPrefixes", parseTagValue: false });

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
    const error = (body ? xml.parse(body) : {}) as { Error?: { Code?: string; Message?: string } };
    const code = error.Error?.Code ?? http.STATUS_CODES[status]?.replace(/ /g, "") ?? "Unknown";
    throw Object.assign(new Error(`${code}: ${error.Error?.Message ?? `S3 answered ${status}`}`), { name: "S3LiteError", status, code }) as S3LiteError;
  }

  return {
    async listObjectsV2({ Bucket, Prefix, Delimiter, MaxKeys }) {
      const query: Record<string, string> = { "list-type": "2" };
      if (Prefix) query.prefix = Prefix;
      if (Delimiter) query.delimiter = Delimiter;
      if (MaxKeys !== undefined) query["max-keys"] = String(MaxKeys);
      const { ListBucketResult: result } = xml.parse(await call("GET", Bucket, query)) as {
        ListBucketResult: { KeyCount?: string; IsTruncated?: string; Contents?: Array<{ Key: string }>; CommonPrefixes?: Array<{ Prefix: string }> };
      };
      return {
        KeyCount: Number(result.KeyCount ?? 0),
        IsTruncated: result.IsTruncated === "true",
        Contents: (result.Contents ?? []).map(({ Key }) => ({ Key })),
        CommonPrefixes: (result.CommonPrefixes ?? []).map(({ Prefix }) => ({ Prefix })),
      };
    },
    async headBucket(bucket) {
      await call("HEAD", bucket, {});
    },
    destroy: () => agent.destroy(),
  };
}

export const isS3LiteError = (err: unknown): err is S3LiteError => err instanceof Error && err.name === "S3LiteError";

/** SigV4 headers (by aws4) for a bodiless request; `now` is fixed only by the signature test. */
export function signedHeaders(config: S3LiteConfig, method: string, host: string, path: string, canonicalQuery: string, now = new Date()): Record<string, string> {
  const amzDate = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const signed = aws4.sign(
    { host, method, path: canonicalQuery ? `${path}?${canonicalQuery}` : path, service: "s3", region: config.region, headers: { "X-Amz-Date": amzDate, "X-Amz-Content-Sha256": EMPTY_SHA256 } },
    config.credentials,
  );
  const { Host: _host, ...headers } = signed.headers as Record<string, string>;
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
