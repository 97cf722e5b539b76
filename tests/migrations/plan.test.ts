import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { checksum } from "../../src/migrations/checksum";
import { EQUIVALENT_EARLIER_CHECKSUMS, planMigrations, type AppliedRow, type PlannedFile } from "../../src/migrations/plan";

const file = (version: number, name = `f${version}`): PlannedFile => ({ version, name, fileName: `V${version}__${name}.sql`, checksum: String(version).repeat(64).slice(0, 64) });
const row = (f: PlannedFile, origin: AppliedRow["origin"] = "migrate"): AppliedRow => ({ version: f.version, name: f.name, checksum: f.checksum, origin });
const versions = (fs: PlannedFile[]) => fs.map((f) => f.version);

const [f1, f2, f3, f4] = [file(1), file(2), file(3), file(4)] as const;

describe("planning", () => {
  it("runs every file on an empty database, in order", () => {
    const result = planMigrations([f1, f2, f3], []);
    expect(result.ok && { pending: versions(result.plan.pending), applied: result.plan.alreadyApplied.length }).toEqual({ pending: [1, 2, 3], applied: 0 });
  });

  it("runs only new files after the applied ones, and nothing past --target", () => {
    const result = planMigrations([f1, f2, f3, f4], [row(f1)], { target: 3 });
    expect(result.ok && versions(result.plan.pending)).toEqual([2, 3]);
  });

  it("records files up to --baseline without running them", () => {
    const result = planMigrations([f1, f2, f3], [], { baseline: 2 });
    expect(result.ok && { baseline: versions(result.plan.baseline), pending: versions(result.plan.pending) }).toEqual({ baseline: [1, 2], pending: [3] });
  });

  it("refuses a schema built without history, naming --baseline with the last version, unless --baseline is given", () => {
    const result = planMigrations([f1, f2, f3], [], { unrecordedObjects: ["stage.document", "curated.vessel"] });
    expect(result).toEqual({
      ok: false,
      errors: [
        "This database already holds a schema (e.g. stage.document, curated.vessel) but control.schema_versions records no migration: it was built without oceanid migrate (psql, dbmate, Flyway or by hand), so running V1 again would fail on what exists. If it holds V1..VN, adopt it with --baseline N, which records those files as applied without running them (try it with --dry-run first): --baseline 3 if every file up to V3__f3.sql was applied.",
      ],
    });
    const adopted = planMigrations([f1, f2, f3], [], { unrecordedObjects: ["stage.document"], baseline: 2 });
    expect(adopted.ok && { baseline: versions(adopted.plan.baseline), pending: versions(adopted.plan.pending) }).toEqual({ baseline: [1, 2], pending: [3] });
  });

  it("accepts V1's earlier checksum (before it created control itself) as V1, and only for V1", () => {
    const text = readFileSync("sql/migrations/V1__schemas_and_extensions.sql", "utf8");
    // V1 as it was before it created control: the same file without that statement and its comment.
    const before = text.replace(/^-- Created here as well as by oceanid migrate.*\n^--.*\n^CREATE SCHEMA IF NOT EXISTS control;\n/m, "");
    const earlier = checksum(before);
    expect(before).not.toBe(text);
    expect(EQUIVALENT_EARLIER_CHECKSUMS.get(1)).toContain(earlier);
    const v1 = { ...f1, checksum: checksum(text) };
    const migratedBefore = planMigrations([v1, f2], [{ ...row(v1), checksum: earlier }, row(f2)]);
    expect(migratedBefore.ok && { applied: versions(migratedBefore.plan.alreadyApplied), pending: versions(migratedBefore.plan.pending) }).toEqual({ applied: [1, 2], pending: [] });
    const onV2 = planMigrations([v1, f2], [row(v1), { ...row(f2), checksum: earlier }]);
    expect(onV2.ok).toBe(false);
  });

  it("stops on an applied file that was edited", () => {
    expect(planMigrations([f1, { ...f2, checksum: "e".repeat(64) }, f3], [row(f1), row(f2)])).toEqual({
      ok: false,
      errors: [`V2__f2.sql was edited after it was applied (recorded checksum ${f2.checksum.slice(0, 12)}…, file now eeeeeeeeeeee…). Revert the edit and put the change in a new file after the last applied version.`],
    });
  });

  it("stops on an applied file that is missing", () => {
    expect(planMigrations([f1, f3], [row(f1), row(f2)])).toEqual({
      ok: false,
      errors: ["V2__f2.sql is recorded as applied but there is no V2__*.sql file. Restore it from git history: applied files must never be deleted."],
    });
  });

  it("stops on applied files that were renumbered, naming where the content went", () => {
    const swapped = [f1, { ...f3, version: 2, fileName: "V2__f3.sql" }, { ...f2, version: 3, fileName: "V3__f2.sql" }];
    const result = planMigrations(swapped, [row(f1), row(f2), row(f3)]);
    expect(result).toEqual({
      ok: false,
      errors: [
        "V2__f2.sql was applied, but its content is now in V3__f2.sql: applied files were renumbered or reordered. Restore the original file names; put new changes in new files after the last applied version.",
        "V3__f3.sql was applied, but its content is now in V2__f3.sql: applied files were renumbered or reordered. Restore the original file names; put new changes in new files after the last applied version.",
      ],
    });
  });

  it("stops on a new file slotted in below an applied version", () => {
    expect(planMigrations([f1, f2, f3], [row(f1), row(f3)])).toEqual({
      ok: false,
      errors: ["V2__f2.sql is not applied but V3 already is: a new file must come after the last applied version. Renumber it to V4 or later."],
    });
  });

  it("reports an edited file alone, not also as a new file below the applied ones", () => {
    const edited = { ...f1, checksum: "e".repeat(64) };
    expect(planMigrations([edited, f2, f3], [row(f1), row(f2), row(f3)])).toEqual({
      ok: false,
      errors: [`V1__f1.sql was edited after it was applied (recorded checksum ${f1.checksum.slice(0, 12)}…, file now eeeeeeeeeeee…). Revert the edit and put the change in a new file after the last applied version.`],
    });
  });

  it("takes --baseline and --target together up to the same version, and a --target at the last applied version as nothing to do", () => {
    const both = (baseline: number, target: number) => planMigrations([f1, f2, f3], [], { baseline, target });
    const shape = (result: ReturnType<typeof both>) => result.ok && { baseline: versions(result.plan.baseline), pending: versions(result.plan.pending) };
    expect(shape(both(1, 2))).toEqual({ baseline: [1], pending: [2] });
    expect(shape(both(2, 2))).toEqual({ baseline: [1, 2], pending: [] });
    const atTarget = planMigrations([f1, f2, f3], [row(f1), row(f2)], { target: 2 });
    expect(atTarget.ok && { applied: versions(atTarget.plan.alreadyApplied), pending: versions(atTarget.plan.pending) }).toEqual({ applied: [1, 2], pending: [] });
  });

  it("rejects a --target or --baseline with no file, a target below what is applied, and a baseline past the target", () => {
    expect(planMigrations([f1, f2], [], { target: 9 })).toEqual({ ok: false, errors: ["--target 9: there is no V9__*.sql file (versions: 1, 2)."] });
    expect(planMigrations([f1, f2], [], { baseline: 5 })).toEqual({ ok: false, errors: ["--baseline 5: there is no V5__*.sql file (versions: 1, 2)."] });
    expect(planMigrations([f1, f2], [row(f1), row(f2)], { target: 1 })).toEqual({ ok: false, errors: ["--target 1 is below V2, which is already applied; migrations only go forward."] });
    expect(planMigrations([f1, f2], [], { target: 1, baseline: 2 })).toEqual({ ok: false, errors: ["--baseline 2 is above --target 1; a baseline cannot go past the target."] });
  });

  it("asks for --baseline when the earlier runner's row says the database is further along", () => {
    const legacy: AppliedRow = { version: 2, name: null, checksum: null, origin: "legacy" };
    expect(planMigrations([f1, f2, f3], [legacy])).toEqual({
      ok: false,
      errors: ["control.schema_versions says this database is at version 2 (a row from the earlier runner, without checksums). Adopt it with --baseline 2, which records the files up to V2 as applied without running them."],
    });
    const adopted = planMigrations([f1, f2, f3], [legacy], { baseline: 2 });
    expect(adopted.ok && { baseline: versions(adopted.plan.baseline), pending: versions(adopted.plan.pending) }).toEqual({ baseline: [1, 2], pending: [3] });
  });

  it("asks for --baseline whether the earlier runner got to the first file or the last, so no applied file runs again", () => {
    const legacyAt = (version: number): AppliedRow => ({ version, name: null, checksum: null, origin: "legacy" });
    const advice = (v: number) => `control.schema_versions says this database is at version ${v} (a row from the earlier runner, without checksums). Adopt it with --baseline ${v}, which records the files up to V${v} as applied without running them.`;
    expect(planMigrations([f1, f2, f3], [legacyAt(1)])).toEqual({ ok: false, errors: [advice(1)] });
    expect(planMigrations([f1, f2, f3], [legacyAt(3)])).toEqual({ ok: false, errors: [advice(3)] });
  });

  it("names a --baseline that exists when the earlier runner's version is no file's, and accepts it", () => {
    // The earlier runner said V5; the files are V1, V2, V10: V1 and V2 are what it applied.
    const f10 = file(10);
    const legacy: AppliedRow = { version: 5, name: null, checksum: null, origin: "legacy" };
    expect(planMigrations([f1, f2, f10], [legacy])).toEqual({
      ok: false,
      errors: ["control.schema_versions says this database is at version 5 (a row from the earlier runner, without checksums). Adopt it with --baseline 2, which records the files up to V2 (the last file at or below version 5) as applied without running them."],
    });
    const adopted = planMigrations([f1, f2, f10], [legacy], { baseline: 2 });
    expect(adopted.ok && { baseline: versions(adopted.plan.baseline), pending: versions(adopted.plan.pending) }).toEqual({ baseline: [1, 2], pending: [10] });
  });

  it("runs new files after an adoption past the earlier runner's version, whose row stays when no file has that version", () => {
    // The earlier runner said V5; the files are V1, V2, V10, adopted with --baseline 10. Its row is not replaced.
    const [f10, f11] = [file(10), file(11)];
    const rows: AppliedRow[] = [{ version: 5, name: null, checksum: null, origin: "legacy" }, row(f1, "baseline"), row(f2, "baseline"), row(f10, "baseline")];
    const result = planMigrations([f1, f2, f10, f11], rows);
    expect(result.ok && { applied: versions(result.plan.alreadyApplied), pending: versions(result.plan.pending) }).toEqual({ applied: [1, 2, 10], pending: [11] });
  });

  it("treats baselined and consolidated rows as applied, and verifies their checksums too", () => {
    const result = planMigrations([f1, f2, f3], [row(f1, "consolidated"), row(f2, "baseline")]);
    expect(result.ok && { applied: versions(result.plan.alreadyApplied), pending: versions(result.plan.pending) }).toEqual({ applied: [1, 2], pending: [3] });
    expect(planMigrations([{ ...f1, checksum: "0".repeat(64) }], [row(f1, "baseline")]).ok).toBe(false);
  });
});
