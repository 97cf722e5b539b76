import type * as S3 from "@aws-sdk/client-s3";
import { attemptTimeoutMs, retrying, retryOptions, type RetryOptions, type Verdict } from "../http/retry";
import { markerKey } from "./prefix";
import { undiciHttpHandler } from "./s3Handler";
import type { S3Credentials, StorageSettings } from "./types";

/** Writes the object that makes a new prefix exist for Label Studio's storage validation. */
export interface MarkerWriter {
  write(prefix: string): Promise<void>;
  /** S3 requests made (the SDK's own retries not included). */
  readonly requestCount: number;
}

const MARKER_BODY =
  "Written by `oceanid provision` so Label Studio's storage validation finds this prefix before anything is uploaded.\n" +
  "Its name starts with '.', which the import regex excludes, so it never becomes a task. Safe to keep.\n";

/** Per attempt; a PutObject of a few hundred bytes. */
const ATTEMPT_TIMEOUT_MS = 30_000;

/**
 * Marker writes on the AWS SDK, retried by our retry module (the SDK's own retries are off, so
 * there is one budget and one kind of progress line). A PUT of the same key is idempotent.
 */
export function s3MarkerWriter(settings: Pick<StorageSettings, "bucket" | "region" | "endpoint">, credentials: S3Credentials, retry?: Partial<RetryOptions>): MarkerWriter {
  const options = retryOptions(retry);
  let s3: S3.S3Client | undefined;
  let sdk: typeof S3 | undefined;
  // Loaded and built on the first write: the AWS SDK costs ~0.5 s of start-up, and a run
  // whose storages all exist writes no marker.
  const client = () => {
    sdk ??= require("@aws-sdk/client-s3") as typeof S3;
    return (s3 ??= new sdk.S3Client({
      // Through undici, like the Label Studio calls, so the egress proxy applies (proxy.ts).
      requestHandler: undiciHttpHandler(),
      region: settings.region,
      credentials,
      maxAttempts: 1,
      ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
      // S3-compatible servers (MinIO, Ceph, s3rver) do not all accept the SDK's default CRC trailers.
      requestChecksumCalculation: "WHEN_REQUIRED",
    }));
  };
  let requestCount = 0;
  return {
    get requestCount() {
      return requestCount;
    },
    async write(prefix) {
      // An empty prefix is the bucket root: Label Studio checks the bucket itself, no marker needed.
      if (!prefix) return;
      const key = markerKey(prefix);
      try {
        await retrying(
          "S3",
          `PUT s3://${settings.bucket}/${key}`,
          async ({ remainingMs }) => {
            const s3Client = client();
            requestCount++;
            const command = new sdk!.PutObjectCommand({ Bucket: settings.bucket, Key: key, Body: MARKER_BODY, ContentType: "text/plain" });
            await s3Client.send(command, { abortSignal: AbortSignal.timeout(attemptTimeoutMs(ATTEMPT_TIMEOUT_MS, remainingMs)) });
          },
          s3Verdict,
          options,
        );
      } catch (err) {
        const { name, message } = err as Error;
        // The SDK's messages name the bucket and key at most; never the credentials.
        throw new Error(`writing marker s3://${settings.bucket}/${key} failed: ${name}: ${message}`);
      }
    },
  };
}

/** An SDK error without an HTTP status got no answer (refused, reset, timed out). */
function s3Verdict(err: unknown): Verdict {
  const { $metadata, $retryable, code, name } = err as { $metadata?: { httpStatusCode?: number }; $retryable?: unknown; code?: string; name?: string };
  const status = $metadata?.httpStatusCode;
  if (status === undefined) return { retry: true, reason: code ?? name ?? "no answer" };
  return { retry: status === 429 || status >= 500 || Boolean($retryable), reason: String(status) };
}
