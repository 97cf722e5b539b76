import { LabelStudioClient, type LabelStudioClientOptions } from "../../src/labelStudioStorage/client";
import { s3MarkerWriter } from "../../src/labelStudioStorage/marker";
import { DEFAULT_IMPORT_REGEX } from "../../src/labelStudioStorage/prefix";
import type { ProvisionContext } from "../../src/labelStudioStorage/reconcile";
import type { RetryOptions } from "../../src/http/retry";
import type { StorageSettings } from "../../src/labelStudioStorage/types";
import { makeJwt, startFakeLabelStudio, type FakeLabelStudio, type FakeLabelStudioOptions } from "./fakeLabelStudio";
import { S3_CREDENTIALS, S3_REGION, startS3Server, type S3Server, type S3ServerOptions } from "./s3Server";

export const BUCKET = "uploads";
export const LEGACY_TOKEN = "5f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b";
export const PAT = makeJwt({ token_type: "refresh", exp: Math.floor(Date.now() / 1000) + 86_400 * 365 });
/** Retries without the production waits (a server's Retry-After is still honoured). */
export const FAST_RETRY: Partial<RetryOptions> = { budgetMs: 3_000, minDelayMs: 5, maxDelayMs: 20 };

/** A real S3-compatible server with our bucket, and a fake Label Studio using it. */
export interface World {
  s3: S3Server;
  ls: FakeLabelStudio;
  settings: StorageSettings;
  client(options?: Partial<LabelStudioClientOptions>): LabelStudioClient;
  context(options?: Partial<LabelStudioClientOptions> & { dryRun?: boolean }): ProvisionContext;
  close(): Promise<void>;
}

export async function startWorld(options: FakeLabelStudioOptions = { legacyToken: LEGACY_TOKEN, pat: PAT }, s3Options: S3ServerOptions = {}): Promise<World> {
  const s3 = await startS3Server([BUCKET], s3Options);
  const ls = await startFakeLabelStudio(options);
  const settings: StorageSettings = {
    bucket: BUCKET,
    region: S3_REGION,
    endpoint: s3.endpoint,
    importPrefix: "raw-uploads",
    exportPrefix: "annotations",
    importRegex: DEFAULT_IMPORT_REGEX,
    importTitle: "Uploads",
    exportTitle: "Annotations",
  };
  const client = (extra: Partial<LabelStudioClientOptions> = {}) =>
    new LabelStudioClient({ url: ls.url, token: LEGACY_TOKEN, retry: FAST_RETRY, secrets: [S3_CREDENTIALS.secretAccessKey], ...extra });
  return {
    s3,
    ls,
    settings,
    client,
    context: ({ dryRun, ...extra } = {}) => ({
      client: client(extra),
      markers: s3MarkerWriter(settings, S3_CREDENTIALS, FAST_RETRY),
      settings,
      credentials: S3_CREDENTIALS,
      dryRun,
    }),
    close: async () => {
      await ls.close();
      await s3.close();
    },
  };
}
