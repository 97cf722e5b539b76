import { renderPrefix } from "./prefix";
import type { Direction, LsStorage, Project, StorageFields, StorageSettings } from "./types";

/** What one direction of one project needs. Pure: no credentials, no network. */
export type StoragePlan =
  | { action: "create"; prefix: string; fields: StorageFields; sync: boolean }
  | { action: "update"; id: number; prefix: string; patch: Partial<StorageFields>; sync: boolean }
  | { action: "unchanged"; id: number; prefix: string; sync: boolean };

/** The storage settings we want for a project; the prefix only matters for a new storage. */
export function desiredFields(direction: Direction, project: Project, settings: StorageSettings): StorageFields {
  const common = {
    bucket: settings.bucket,
    region_name: settings.region,
    s3_endpoint: settings.endpoint ?? null,
  };
  if (direction === "export") {
    return { ...common, title: settings.exportTitle, prefix: renderPrefix(settings.exportPrefix, project, "export") };
  }
  return {
    ...common,
    title: settings.importTitle,
    prefix: renderPrefix(settings.importPrefix, project, "import"),
    regex_filter: settings.importRegex,
    // Each object becomes a task pointing at a presigned URL (assets, not JSON task files).
    use_blob_urls: true,
    presign: true,
  };
}

/**
 * The project's storage for this direction is its existing storage on our bucket — it keeps
 * its prefix even if the title (and so the slug) changed since it was created. Several on the
 * bucket: the one at the desired prefix, else the oldest. Deterministic, so reruns agree.
 */
export function findOwnStorage(existing: readonly LsStorage[], desired: StorageFields): LsStorage | undefined {
  const onBucket = existing.filter((s) => s.bucket === desired.bucket).sort((a, b) => a.id - b.id);
  return onBucket.find((s) => s.prefix === desired.prefix) ?? onBucket[0];
}

/**
 * create / update (only the drifted fields) / unchanged. An import storage is synced when
 * created or changed, and also when it never synced — a run interrupted between create and
 * sync finishes the job on the next run.
 */
export function planStorage(direction: Direction, existing: readonly LsStorage[], desired: StorageFields): StoragePlan {
  const own = findOwnStorage(existing, desired);
  const isImport = direction === "import";
  if (!own) return { action: "create", prefix: desired.prefix, fields: desired, sync: isImport };
  const prefix = own.prefix ?? "";
  const patch = driftedFields(own, desired);
  const neverSynced = isImport && !own.last_sync;
  if (Object.keys(patch).length === 0) return { action: "unchanged", id: own.id, prefix, sync: neverSynced };
  return { action: "update", id: own.id, prefix, patch, sync: isImport };
}

function driftedFields(current: LsStorage, desired: StorageFields): Partial<StorageFields> {
  const patch: Record<string, unknown> = {};
  for (const [key, want] of Object.entries(desired) as Array<[keyof StorageFields, unknown]>) {
    // A storage keeps its prefix; its bucket is ours already (findOwnStorage).
    if (key === "prefix") continue;
    if (!sameValue(current[key as keyof LsStorage], want)) patch[key] = want;
  }
  return patch as Partial<StorageFields>;
}

/** Unset text is null or "" in Label Studio and undefined/null/"" in Pulumi state: alike. */
export function sameValue(have: unknown, want: unknown): boolean {
  const blank = (v: unknown) => v === null || v === undefined || v === "";
  if (blank(have) && blank(want)) return true;
  return have === want;
}
