import type * as S3 from "@aws-sdk/client-s3";
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

export function s3MarkerWriter(settings: Pick<StorageSettings, "bucket" | "region" | "endpoint">, credentials: S3Credentials): MarkerWriter {
  // Required on first use: the AWS SDK is heavy, and only runs that write markers need it.
  const { PutObjectCommand, S3Client } = require("@aws-sdk/client-s3") as typeof S3;
  const s3 = new S3Client({
    // Through undici, like the Label Studio calls, so the egress proxy applies (proxy.ts).
    requestHandler: undiciHttpHandler(),
    region: settings.region,
    credentials,
    ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
    // S3-compatible servers (MinIO, Ceph, s3rver) do not all accept the SDK's default CRC trailers.
    requestChecksumCalculation: "WHEN_REQUIRED",
  });
  let requestCount = 0;
  return {
    get requestCount() {
      return requestCount;
    },
    async write(prefix) {
      // An empty prefix is the bucket root: Label Studio checks the bucket itself, no marker needed.
      if (!prefix) return;
      const key = markerKey(prefix);
      requestCount++;
      try {
        await s3.send(new PutObjectCommand({ Bucket: settings.bucket, Key: key, Body: MARKER_BODY, ContentType: "text/plain" }));
      } catch (err) {
        const { name, message } = err as Error;
        // The SDK's messages name the bucket and key at most; never the credentials.
        throw new Error(`writing marker s3://${settings.bucket}/${key} failed: ${name}: ${message}`);
      }
    },
  };
}
