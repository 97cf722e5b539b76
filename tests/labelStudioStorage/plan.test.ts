import { describe, expect, it } from "vitest";
import { desiredFields, planStorage } from "../../src/labelStudioStorage/plan";
import { DEFAULT_IMPORT_REGEX } from "../../src/labelStudioStorage/prefix";
import type { LsStorage, StorageSettings } from "../../src/labelStudioStorage/types";

const settings: StorageSettings = {
  bucket: "uploads",
  region: "us-east-1",
  importPrefix: "raw-uploads",
  exportPrefix: "annotations",
  importRegex: DEFAULT_IMPORT_REGEX,
  importTitle: "Uploads",
  exportTitle: "Annotations",
};
const project = { id: 7, title: "Fish Photos" };

function stored(fields: Partial<LsStorage>): LsStorage {
  const want = desiredFields("import", project, settings);
  return { id: 1, project: 7, last_sync: "2026-01-01T00:00:00Z", ...want, ...fields } as LsStorage;
}

describe("planStorage", () => {
  it("creates with the templated prefix and import defaults when the project has none on our bucket", () => {
    const plan = planStorage("import", [stored({ id: 3, bucket: "someone-elses" })], desiredFields("import", project, settings));
    expect(plan).toEqual({
      action: "create",
      prefix: "raw-uploads/fish-photos-7/import/",
      sync: true,
      fields: {
        title: "Uploads",
        bucket: "uploads",
        prefix: "raw-uploads/fish-photos-7/import/",
        region_name: "us-east-1",
        s3_endpoint: null,
        regex_filter: DEFAULT_IMPORT_REGEX,
        use_blob_urls: true,
        presign: true,
      },
    });
  });

  it("export storages carry no import-only fields and are not synced by us", () => {
    const plan = planStorage("export", [], desiredFields("export", project, settings));
    expect(plan.action === "create" && plan.fields).toEqual({ title: "Annotations", bucket: "uploads", prefix: "annotations/fish-photos-7/export/", region_name: "us-east-1", s3_endpoint: null });
    expect(plan.sync).toBe(false);
  });

  it("leaves a matching storage alone, treating null and empty text alike", () => {
    const plan = planStorage("import", [stored({ s3_endpoint: "" })], desiredFields("import", project, settings));
    expect(plan).toEqual({ action: "unchanged", id: 1, prefix: "raw-uploads/fish-photos-7/import/", sync: false });
  });

  it("keeps the existing prefix after a rename and patches only drifted fields", () => {
    const renamed = { ...project, title: "Renamed" };
    const plan = planStorage("import", [stored({ regex_filter: ".*", title: "Old" })], desiredFields("import", renamed, settings));
    expect(plan).toEqual({ action: "update", id: 1, prefix: "raw-uploads/fish-photos-7/import/", patch: { regex_filter: DEFAULT_IMPORT_REGEX, title: "Uploads" }, sync: true });
  });

  it("syncs an unchanged import storage that never synced (a run interrupted after create)", () => {
    expect(planStorage("import", [stored({ last_sync: null })], desiredFields("import", project, settings))).toMatchObject({ action: "unchanged", sync: true });
  });

  it("patches a field set on one side only: unset in Label Studio but configured, or the other way round", () => {
    const withEndpoint = desiredFields("import", project, { ...settings, endpoint: "http://minio:9000" });
    expect(planStorage("import", [stored({ s3_endpoint: null })], withEndpoint)).toMatchObject({ action: "update", patch: { s3_endpoint: "http://minio:9000" } });
    expect(planStorage("import", [stored({ s3_endpoint: "http://old:9000" })], desiredFields("import", project, settings))).toMatchObject({
      action: "update",
      patch: { s3_endpoint: null },
    });
  });

  it("never syncs an export storage, even one that never synced", () => {
    const exportStored = { ...stored({}), ...desiredFields("export", project, settings), last_sync: null } as LsStorage;
    expect(planStorage("export", [exportStored], desiredFields("export", project, settings))).toEqual({ action: "unchanged", id: 1, prefix: "annotations/fish-photos-7/export/", sync: false });
  });

  it("picks the storage at the desired prefix, else the oldest, among several on the bucket", () => {
    const desired = desiredFields("import", project, settings);
    expect(planStorage("import", [stored({ id: 5, prefix: "x/" }), stored({ id: 9 })], desired)).toMatchObject({ id: 9, prefix: desired.prefix });
    expect(planStorage("import", [stored({ id: 9, prefix: "x/" }), stored({ id: 4, prefix: "y/" })], desired)).toMatchObject({ id: 4, prefix: "y/" });
  });

  it("adopts a storage that has no prefix (the whole bucket) and reports its prefix as empty", () => {
    expect(planStorage("import", [stored({ prefix: null })], desiredFields("import", project, settings))).toEqual({ action: "unchanged", id: 1, prefix: "", sync: false });
  });
});
