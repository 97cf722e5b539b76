/**
 * The planning core: versioned files + rows already in control.schema_versions → what to do,
 * or why not. Pure (no I/O), so every refusal is unit-testable and is decided before any change.
 */

export interface PlannedFile {
  version: number;
  name: string;
  fileName: string;
  checksum: string;
}

/** How a row came to be: run by this runner, recorded by --baseline, written by the
 * consolidated file, or carried over from the earlier one-row-per-domain table. */
export type RowOrigin = "migrate" | "baseline" | "consolidated" | "legacy";

/** A row of control.schema_versions. Only the earlier runner's rows lack a file name and checksum
 * (the table's schema_versions_recorded_file constraint). */
export type AppliedRow =
  | { version: number; name: string; checksum: string; origin: Exclude<RowOrigin, "legacy"> }
  | { version: number; name: string | null; checksum: string | null; origin: "legacy" };
type RecordedRow = Extract<AppliedRow, { origin: Exclude<RowOrigin, "legacy"> }>;

export interface PlanOptions {
  /** Stop after this version. */
  target?: number;
  /** Record files up to this version as applied without running them. */
  baseline?: number;
  /** Objects in a database with no control.schema_versions rows at all (see unrecordedObjects);
   * the caller asks only when the domain has no rows. Refused unless --baseline adopts them. */
  unrecordedObjects?: readonly string[];
}

export interface Plan<F extends PlannedFile> {
  /** Files recorded as applied and verified against their checksum. */
  alreadyApplied: F[];
  /** Files to record without running (--baseline). */
  baseline: F[];
  /** Files to run, in order. */
  pending: F[];
}

export type PlanResult<F extends PlannedFile> = { ok: true; plan: Plan<F> } | { ok: false; errors: string[] };

/**
 * Earlier checksums of applied files whose later edit changes nothing for a database our runner
 * built, keyed by version: V1 gained `CREATE SCHEMA IF NOT EXISTS control` so that psql and
 * dbmate can apply it, while our runner had always created `control` before running V1. A row
 * with the earlier checksum is as good as one with the current checksum; anything else is an
 * edit after the fact and is refused.
 */
export const EQUIVALENT_EARLIER_CHECKSUMS: ReadonlyMap<number, readonly string[]> = new Map([
  [1, ["ecf7d30239b88e2acd871c3781c97014eb1e8f26c3707eebd7e7c535d8edd51b"]],
]);

function matchesFile(file: PlannedFile, checksum: string): boolean {
  return file.checksum === checksum || (EQUIVALENT_EARLIER_CHECKSUMS.get(file.version)?.includes(checksum) ?? false);
}

export function planMigrations<F extends PlannedFile>(files: readonly F[], rows: readonly AppliedRow[], options: PlanOptions = {}): PlanResult<F> {
  const errors: string[] = [];
  const byVersion = new Map(files.map((f) => [f.version, f]));
  const byChecksum = new Map(files.map((f) => [f.checksum, f]));
  const recorded = rows.filter((r): r is RecordedRow => r.origin !== "legacy");
  const recordedVersions = new Set<number>();

  for (const row of recorded) {
    const file = byVersion.get(row.version);
    const applied = `V${row.version}__${row.name}.sql`;
    const movedTo = byChecksum.get(row.checksum);
    if (file && matchesFile(file, row.checksum)) {
      recordedVersions.add(row.version);
    } else if (movedTo) {
      errors.push(`${applied} was applied, but its content is now in ${movedTo.fileName}: applied files were renumbered or reordered. Restore the original file names; put new changes in new files after the last applied version.`);
    } else if (!file) {
      errors.push(`${applied} is recorded as applied but there is no V${row.version}__*.sql file. Restore it from git history: applied files must never be deleted.`);
    } else {
      errors.push(`${file.fileName} was edited after it was applied (recorded checksum ${row.checksum.slice(0, 12)}…, file now ${file.checksum.slice(0, 12)}…). Revert the edit and put the change in a new file after the last applied version.`);
    }
  }

  const legacyMax = Math.max(0, ...rows.filter((r) => r.origin === "legacy").map((r) => r.version));
  // The earlier runner's version need not be a file's (it said V5; the files are V1, V2, V10):
  // adopting means recording every file up to it, so the baseline to name is the last of those.
  // File versions start at 1, so with no legacy row (legacyMax 0) there is none: adopt is 0,
  // which no baseline is below.
  const adopt = Math.max(0, ...files.filter((f) => f.version <= legacyMax && !recordedVersions.has(f.version)).map((f) => f.version));
  if ((options.baseline ?? 0) < adopt) {
    const through = adopt === legacyMax ? `V${adopt}` : `V${adopt} (the last file at or below version ${legacyMax})`;
    errors.push(`control.schema_versions says this database is at version ${legacyMax} (a row from the earlier runner, without checksums). Adopt it with --baseline ${adopt}, which records the files up to ${through} as applied without running them.`);
  }

  const unrecorded = options.unrecordedObjects ?? [];
  if (unrecorded.length > 0 && options.baseline === undefined) {
    const last = files.at(-1)!.version;
    errors.push(
      `This database already holds a schema (e.g. ${unrecorded.join(", ")}) but control.schema_versions records no migration: it was built without oceanid migrate (psql, dbmate, Flyway or by hand), so running V1 again would fail on what exists. If it holds V1..VN, adopt it with --baseline N, which records those files as applied without running them (try it with --dry-run first): --baseline ${last} if every file up to ${files.at(-1)!.fileName} was applied.`,
    );
  }

  const known = files.map((f) => f.version).join(", ");
  for (const [flag, version] of [["--baseline", options.baseline], ["--target", options.target]] as const) {
    if (version !== undefined && !byVersion.has(version)) errors.push(`${flag} ${version}: there is no V${version}__*.sql file (versions: ${known}).`);
  }
  if ((options.baseline ?? 0) > (options.target ?? Infinity)) {
    errors.push(`--baseline ${options.baseline} is above --target ${options.target}; a baseline cannot go past the target.`);
  }
  const appliedMax = Math.max(0, ...recordedVersions);
  if ((options.target ?? Infinity) < appliedMax) {
    errors.push(`--target ${options.target} is below V${appliedMax}, which is already applied; migrations only go forward.`);
  }
  if (errors.length > 0) return { ok: false, errors };

  const unapplied = files.filter((f) => !recordedVersions.has(f.version));
  const baseline = unapplied.filter((f) => f.version <= (options.baseline ?? 0));
  const pending = unapplied.filter((f) => !baseline.includes(f) && (options.target === undefined || f.version <= options.target));
  for (const f of pending) {
    // Stryker disable next-line EqualityOperator: a pending file has no row, so its version is never appliedMax itself; < and <= agree.
    if (f.version < appliedMax) {
      errors.push(`${f.fileName} is not applied but V${appliedMax} already is: a new file must come after the last applied version. Renumber it to V${appliedMax + 1} or later.`);
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, plan: { alreadyApplied: files.filter((f) => recordedVersions.has(f.version)), baseline, pending } };
}
