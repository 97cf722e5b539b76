import type * as Aws4 from "aws4";
import type * as FastXmlParser from "fast-xml-parser";
import { httpRequest, type HttpAnswer, type HttpNetworkFailure } from "../http/dispatcher";
import { attemptTimeoutMs, retrying, retryOptions, type RetryOptions, type Verdict } from "../http/retry";
import { parseRetryAfter } from "../http/retryAfter";
import { tagged } from "../taggedError";
import { markerKey } from "./prefix";
import type { S3Credentials, StorageSettings } from "./types";

/** Writes the object that makes a new prefix exist for Label Studio's storage validation. */
export interface MarkerWriter {
  write(prefix: string): Promise<void>;
  /** S3 requests made, retries included. */
  readonly requestCount: number;
}

const MARKER_BODY =
  "Written by `oceanid provision` so Label Studio's storage validation finds this prefix before anything is uploaded.\n" +
  "Its name starts with '.', which the import regex excludes, so it never becomes a task. Safe to keep.\n";

/** Per attempt; a PutObject of a few hundred bytes. */
const ATTEMPT_TIMEOUT_MS = 30_000;

/** Where a PutObject of `key` goes: an origin and the path exactly as sent (and signed). */
export interface ObjectLocation {
  origin: string;
  path: string;
}

/**
 * A configured endpoint (MinIO, s3rver, Ceph) is addressed path-style, as they expect. AWS is
 * addressed at the bucket's regional endpoint, virtual-hosted as AWS requires for buckets made
 * since 2020, except a bucket name with dots, which the endpoint's wildcard certificate does not
 * cover and so goes path-style (as the AWS SDK does). Each key segment is percent-encoded as
 * SigV4 encodes it, and the path is sent as is: a URL parser would fold "." and ".." segments,
 * which are valid in S3 keys.
 */
export function objectLocation(settings: Pick<StorageSettings, "bucket" | "region" | "endpoint">, key: string): ObjectLocation {
  const encodedKey = key.split("/").map(encodeRfc3986).join("/");
  if (settings.endpoint) {
    const endpoint = new URL(settings.endpoint);
    return { origin: endpoint.origin, path: `${endpoint.pathname.replace(/\/+$/, "")}/${encodeRfc3986(settings.bucket)}/${encodedKey}` };
  }
  const regional = `s3.${settings.region}.amazonaws.com`;
  return settings.bucket.includes(".")
    ? { origin: `https://${regional}`, path: `/${settings.bucket}/${encodedKey}` }
    : { origin: `https://${settings.bucket}.${regional}`, path: `/${encodedKey}` };
}

/**
 * Marker writes: one SigV4-signed PutObject (aws4) over undici's global dispatcher, so the egress
 * proxy of proxy.ts applies, retried by our retry module. A PUT of the same key is idempotent.
 * Not the AWS SDK: its client cost ~0.5 s to load and ~3 ms of CPU per PutObject (middleware,
 * endpoint rules, schema serde), a fifth of a first `provision` run's CPU, for one request
 * shape whose signing aws4 does and whose errors S3 documents.
 */
export function s3MarkerWriter(settings: Pick<StorageSettings, "bucket" | "region" | "endpoint">, credentials: S3Credentials, retry?: Partial<RetryOptions>): MarkerWriter {
  const options = retryOptions(retry);
  let requestCount = 0;
  return {
    get requestCount() {
      return requestCount;
    },
    async write(prefix) {
      // An empty prefix is the bucket root: Label Studio checks the bucket itself, no marker needed.
      if (!prefix) return;
      const key = markerKey(prefix);
      const target = `s3://${settings.bucket}/${key}`;
      try {
        await retrying(
          "S3",
          `PUT ${target}`,
          async ({ remainingMs }) => {
            requestCount++;
            await putObject(settings, credentials, key, attemptTimeoutMs(ATTEMPT_TIMEOUT_MS, remainingMs));
          },
          s3Verdict,
          options,
        );
      } catch (err) {
        // S3's own error names the bucket and key at most; never the credentials.
        throw new Error(`writing marker ${target} failed: ${(err as Error).message}`);
      }
    },
  };
}

/** A failed PutObject: S3's error code (or the network error's), HTTP status when there was an answer. */
interface S3Failure extends Error {
  name: "S3NetworkError" | "S3Error";
  status?: number;
  retryAfterMs?: number;
}

async function putObject(settings: Pick<StorageSettings, "bucket" | "region" | "endpoint">, credentials: S3Credentials, key: string, timeoutMs: number): Promise<void> {
  // Required on first use: a run whose storages all exist writes no marker.
  const aws4 = require("aws4") as typeof Aws4;
  const { origin, path } = objectLocation(settings, key);
  const signed = aws4.sign(
    { host: new URL(origin).host, path, method: "PUT", service: "s3", region: settings.region, body: MARKER_BODY, headers: { "Content-Type": "text/plain" } },
    { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
  );
  // undici sends Host itself, from the origin: the same value aws4 signed.
  const headers = Object.fromEntries(Object.entries(signed.headers ?? {}).filter(([name]) => name.toLowerCase() !== "host").map(([name, value]) => [name, String(value)]));
  let answer: HttpAnswer;
  try {
    answer = await httpRequest({ origin, path, method: "PUT", headers, body: MARKER_BODY, timeoutMs });
  } catch (err) {
    throw tagged<S3Failure>("S3NetworkError", (err as HttpNetworkFailure).reason, {});
  }
  if (answer.status >= 200 && answer.status < 300) return;
  throw tagged<S3Failure>("S3Error", describeS3Error(answer.text, answer.status), { status: answer.status, retryAfterMs: parseRetryAfter(answer.retryAfter) });
}

/**
 * S3's error document, `<Error><Code>NoSuchBucket</Code><Message>…</Message>…</Error>`, as
 * "NoSuchBucket: The specified bucket does not exist"; the status when the body is not one.
 */
function describeS3Error(text: string, status: number): string {
  const { XMLParser } = require("fast-xml-parser") as typeof FastXmlParser;
  let error: { Code?: unknown; Message?: unknown } | undefined;
  try {
    error = (new XMLParser({ parseTagValue: false }).parse(text) as { Error?: { Code?: unknown; Message?: unknown } }).Error;
  } catch {
    error = undefined;
  }
  if (typeof error?.Code !== "string") return `HTTP ${status}`;
  return typeof error.Message === "string" && error.Message ? `${error.Code}: ${error.Message}` : error.Code;
}

/** No answer, throttling (429, 503 SlowDown) and server errors are retried; other answers are final. */
function s3Verdict(err: unknown): Verdict {
  const { status, retryAfterMs, message } = err as S3Failure;
  if (status === undefined) return { retry: true, reason: message };
  return { retry: status === 429 || status >= 500, reason: String(status), ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}

/** RFC 3986 percent-encoding, as SigV4 canonicalises a path segment. */
function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
