import type pLimitModule = require("p-limit");
import type { LabelStudioClient } from "./client";
import { hasName, tagged } from "../taggedError";
import { isAmbiguousWriteError, isAuthError, isLabelStudioApiError, verdictOf } from "./errors";
import { retrying } from "../http/retry";
import type { MarkerWriter } from "./marker";
import { desiredFields, planStorage, type StoragePlan } from "./plan";
import { importRegexProblem, prefixesOverlap, renderPrefix, unknownPlaceholders } from "./prefix";
import { slugify } from "./slug";
import type { Direction, Project, S3Credentials, StorageFields, StorageSettings } from "./types";

export interface ProvisionContext {
  client: LabelStudioClient;
  markers: MarkerWriter;
  settings: StorageSettings;
  credentials: S3Credentials;
  /** Plan only: no marker, no POST/PATCH, no sync. */
  dryRun?: boolean;
}

export type Action = "created" | "updated" | "unchanged";

export interface DirectionResult {
  /** null only in a dry run, for a storage that would be created. */
  id: number | null;
  prefix: string;
  action: Action;
  /** Fields patched (or, in a dry run, that would be). */
  changed?: string[];
}

export interface ProjectResult {
  id: number;
  title: string;
  slug: string;
  import: DirectionResult;
  export: DirectionResult;
  synced: boolean;
}

export const DEFAULT_CONCURRENCY = 8;

/** A failure in one project, naming it, the storage and the step; `cause` keeps the original. */
export interface ProvisionError extends Error {
  name: "ProvisionError";
  project: Project;
  cause?: Error;
}

export function provisionError(project: Project, message: string, cause?: Error): ProvisionError {
  return tagged<ProvisionError>("ProvisionError", `project ${project.id} "${project.title}": ${message}`, { project, ...(cause ? { cause } : {}) });
}

export const isProvisionError = (err: unknown): err is ProvisionError => hasName<ProvisionError>(err, "ProvisionError");

export interface SettingsProblem {
  property: keyof StorageSettings;
  reason: string;
}

/** Problems with the settings that hold for every project; checked before anything is written. */
export function settingsProblems(settings: StorageSettings): SettingsProblem[] {
  const problems: SettingsProblem[] = [];
  for (const property of ["bucket", "region", "importTitle", "exportTitle"] as const) {
    if (!settings[property]?.trim()) problems.push({ property, reason: `${property} is required` });
  }
  for (const property of ["importPrefix", "exportPrefix"] as const) {
    for (const name of unknownPlaceholders(settings[property])) problems.push({ property, reason: `${property} has unknown placeholder {${name}} (use {project} or {project_id})` });
  }
  if (problems.length > 0) return problems;
  // A sample project: per-project prefixes are checked again before each write.
  // Stryker disable next-line StringLiteral: an empty title has the same slug, "project"
  return projectProblems(settings, { id: 1, title: "project" });
}

function projectProblems(settings: StorageSettings, project: Project): SettingsProblem[] {
  const importPrefix = renderPrefix(settings.importPrefix, project, "import");
  const exportPrefix = renderPrefix(settings.exportPrefix, project, "export");
  const problems: SettingsProblem[] = [];
  const regexProblem = importRegexProblem(settings.importRegex, importPrefix);
  if (regexProblem) problems.push({ property: "importRegex", reason: regexProblem });
  if (prefixesOverlap(importPrefix, exportPrefix)) {
    problems.push({ property: "exportPrefix", reason: `import prefix "${importPrefix}" and export prefix "${exportPrefix}" overlap: exported annotations would be imported as tasks` });
  }
  return problems;
}

/**
 * Reconciles one project's import and export storage, then syncs the import storage if it is
 * new, changed or never synced. One Label Studio request at a time per project, so at most
 * `concurrency` are in flight: both listings first, then the writes, then the sync. The import
 * marker goes to S3 (another server) as soon as the listing shows a write, and is awaited just
 * before it, so it overlaps the export listing instead of adding to the project's time.
 */
export async function reconcileProject(ctx: ProvisionContext, project: Project): Promise<ProjectResult> {
  const problems = projectProblems(ctx.settings, project);
  if (problems.length > 0) throw provisionError(project, problems.map((p) => p.reason).join("; "));
  const importPlan = await step(project, "import storage", () => planDirection(ctx, project, "import"));
  const exportPlan = await step(project, "export storage", () => planDirection(ctx, project, "export"));
  const imported = await step(project, "import storage", () => applyDirection(ctx, project, importPlan));
  const exported = await step(project, "export storage", () => applyDirection(ctx, project, exportPlan));
  let synced = false;
  // A dry run has no id to sync (a storage it would create), nor syncs one it has.
  if (imported.sync && !ctx.dryRun) {
    await step(project, "syncing import storage", () => ctx.client.syncStorage("import", imported.result.id!, project.id));
    synced = true;
  }
  return { id: project.id, title: project.title, slug: slugify(project.title), import: imported.result, export: exported.result, synced };
}

const PAST: Record<StoragePlan["action"], Action> = { create: "created", update: "updated", unchanged: "unchanged" };

/** A direction's plan from a fresh listing, and the marker write it needs, under way. */
interface PlannedDirection {
  direction: Direction;
  desired: StorageFields;
  plan: StoragePlan;
  marker?: Promise<void>;
}

async function planDirection(ctx: ProvisionContext, project: Project, direction: Direction): Promise<PlannedDirection> {
  const desired = desiredFields(direction, project, ctx.settings);
  const plan = planStorage(direction, await ctx.client.listStorages(direction, project.id), desired);
  // A create and a PATCH with `bucket` make Label Studio look for an object under an import
  // prefix (an export prefix may be empty, see needsExportMarker).
  if (plan.action === "unchanged" || ctx.dryRun || direction === "export") return { direction, desired, plan };
  // Written now, awaited before the write; handled here so that a failure is not an unhandled
  // rejection while the project waits on Label Studio (the await still throws it).
  const marker = ctx.markers.write(plan.prefix);
  marker.catch(() => {});
  return { direction, desired, plan, marker };
}

/**
 * Creates or patches as planned. A create whose outcome is unknown is never posted again: the
 * direction is listed and planned afresh, and a storage that did get created is adopted. Those
 * re-reads run on the client's retry budget, like its requests.
 */
async function applyDirection(ctx: ProvisionContext, project: Project, first: PlannedDirection): Promise<{ result: DirectionResult; sync: boolean }> {
  const { client, credentials } = ctx;
  const keys = { aws_access_key_id: credentials.accessKeyId, aws_secret_access_key: credentials.secretAccessKey };
  let next: PlannedDirection | undefined = first;
  return retrying(
    "Label Studio",
    `create ${first.direction} storage`,
    async () => {
      const { direction, desired, plan, marker } = next ?? (await planDirection(ctx, project, first.direction));
      next = undefined;
      const changed = plan.action === "update" ? Object.keys(plan.patch).sort() : undefined;
      // Only a write whose outcome is unknown is tried again, after a fresh listing: when the
      // first plan was a create, a storage found then is the one we created.
      const action = PAST[first.plan.action === "create" ? "create" : plan.action];
      const result = (id: number | null): DirectionResult => ({ id, prefix: plan.prefix, action, ...(changed ? { changed } : {}) });
      if (plan.action === "unchanged") return { result: result(plan.id), sync: plan.sync };
      if (ctx.dryRun) return { result: result(plan.action === "update" ? plan.id : null), sync: plan.sync };
      await marker;
      const write = async (): Promise<{ result: DirectionResult; sync: boolean }> => {
        if (plan.action === "create") {
          const created = await client.createStorage(direction, { project: project.id, ...plan.fields, ...keys });
          return { result: result(created.id), sync: plan.sync };
        }
        // `bucket` makes Label Studio validate the connection with the keys we send.
        await client.updateStorage(direction, plan.id, { ...plan.patch, bucket: desired.bucket, ...keys }, project.id);
        return { result: result(plan.id), sync: plan.sync };
      };
      try {
        return await write();
      } catch (err) {
        if (!needsExportMarker(err, direction, desired.bucket, plan.prefix)) throw err;
        // Refused by validation, so nothing was created: mark the prefix and write again.
        await ctx.markers.write(plan.prefix);
        return await write();
      }
    },
    (err) => ({ ...verdictOf(err), retry: isAmbiguousWriteError(err) }),
    { ...ctx.client.retry, scope: `project ${project.id}` },
  );
}

/**
 * Label Studio 1.9+ accepts an export storage whose prefix is empty (it only lists it,
 * HumanSignal/label-studio#4762), so no export marker is written up front; an older one
 * refuses it with `s3://<bucket>/<prefix> not found.`, and then gets one.
 */
function needsExportMarker(err: unknown, direction: Direction, bucket: string, prefix: string): boolean {
  // Field errors come only with a validation error (400); any field may carry this one. A
  // storage without a prefix is never refused so: Label Studio then checks only the bucket.
  if (direction !== "export" || !isLabelStudioApiError(err)) return false;
  return Object.values(err.fieldErrors).flat().includes(`s3://${bucket}/${prefix} not found.`);
}

async function step<T>(project: Project, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    // An ambiguous write's message is its cause's, with how long it was retried.
    const cause = isAmbiguousWriteError(err) ? err.cause : (err as Error);
    throw provisionError(project, `${what}: ${(err as Error).message}`, cause);
  }
}

/** Projects named by id (number or digits) or exact title; a title must name exactly one. */
export function selectProjects(all: readonly Project[], selectors: ReadonlyArray<number | string>): { projects: Project[]; missing: string[] } {
  const projects = new Map<number, Project>();
  const missing: string[] = [];
  for (const selector of selectors) {
    const matches = matchProject(all, selector);
    if (matches.length === 1) projects.set(matches[0].id, matches[0]);
    else if (matches.length === 0) missing.push(`no project ${describeSelector(selector)}`);
    else missing.push(`title ${JSON.stringify(selector)} names ${matches.length} projects (ids ${matches.map((p) => p.id).join(", ")}): use an id`);
  }
  return { projects: [...projects.values()].sort((a, b) => a.id - b.id), missing };
}

/** One project by id (one request) or by exact title (from the listing). */
export async function resolveProject(client: LabelStudioClient, selector: number | string): Promise<Project> {
  const id = projectIdOf(selector);
  if (id !== undefined) return client.getProject(id);
  const { projects, missing } = selectProjects(await client.listProjects(), [selector]);
  if (missing.length > 0) throw new Error(`Label Studio: ${missing[0]}`);
  return projects[0];
}

export function projectIdOf(selector: number | string): number | undefined {
  if (typeof selector === "number") return selector;
  // Number() ignores the surrounding blanks too.
  return /^\d+$/.test(selector.trim()) ? Number(selector) : undefined;
}

function matchProject(all: readonly Project[], selector: number | string): Project[] {
  const id = projectIdOf(selector);
  return id !== undefined ? all.filter((p) => p.id === id) : all.filter((p) => p.title === selector);
}

function describeSelector(selector: number | string): string {
  return projectIdOf(selector) !== undefined ? `with id ${selector}` : `titled ${JSON.stringify(selector)}`;
}

export interface ProvisionOptions {
  /** "all", or ids / titles. */
  projects: "all" | ReadonlyArray<number | string>;
  concurrency?: number;
  onProgress?: (line: string) => void;
  /**
   * The run's deadline (Date.now() time), also the client's `retry.deadline`: after it no
   * project is started, and the projects left are reported as not converged.
   */
  deadline?: number;
}

export interface ProvisionReport {
  projects: ProjectResult[];
  /** The projects that did not converge (and selectors that named none), each with its last error. */
  errors: Array<{ project: number | string; message: string }>;
  /** Label Studio HTTP requests, the project listing included. */
  requests: number;
  s3Requests: number;
}

/**
 * Reconciles the selected projects with at most `concurrency` Label Studio requests in flight,
 * the project listing's included. With "all", each page's projects start as the page arrives.
 * A project's failure is reported and the others go on; an auth failure, or a listing that
 * fails, starts no more projects and is thrown once those under way have finished.
 */
export async function provision(ctx: ProvisionContext, options: ProvisionOptions): Promise<ProvisionReport> {
  const problems = settingsProblems(ctx.settings);
  if (problems.length > 0) throw settingsError(problems);
  const progress = options.onProgress ?? (() => {});
  const pLimit = require("p-limit") as typeof pLimitModule;
  const limit = pLimit(options.concurrency ?? DEFAULT_CONCURRENCY);
  const errors: Array<{ project: number; message: string }> = [];
  let missing: string[] = [];
  let stop: Error | undefined;
  const run = async (project: Project): Promise<ProjectResult | undefined> => {
    if (stop) return undefined;
    // Stryker disable next-line EqualityOperator: whether a project starting in the deadline's very millisecond is started or not, nobody can tell
    if (Date.now() >= (options.deadline ?? Infinity)) {
      errors.push({ project: project.id, message: `project ${project.id} "${project.title}": not started, the run's time budget is spent` });
      return undefined;
    }
    try {
      const result = await reconcileProject(ctx, project);
      progress(describeResult(result, ctx.dryRun));
      return result;
    } catch (err) {
      const error = err as ProvisionError;
      if (isAuthError(error.cause)) stop ??= error;
      else errors.push({ project: project.id, message: error.message });
      return undefined;
    }
  };
  const runs: Array<Promise<ProjectResult | undefined>> = [];
  if (options.projects === "all") {
    const started = new Set<number>();
    // Label Studio lists the newest first; within a page, projects start in id order.
    const listing = ctx.client.forEachProjectPage(limit, (page) => {
      for (const project of [...page].sort((a, b) => a.id - b.id)) {
        if (started.has(project.id)) continue;
        started.add(project.id);
        runs.push(limit(() => run(project)));
      }
    });
    await listing.catch((err: Error) => {
      stop ??= err;
    });
  } else {
    const selected = selectProjects(await ctx.client.listProjects(options.concurrency ?? DEFAULT_CONCURRENCY), options.projects);
    missing = selected.missing;
    runs.push(...selected.projects.map((project) => limit(() => run(project))));
  }
  const results = await Promise.all(runs);
  if (stop) throw stop;
  return {
    projects: results.filter((r): r is ProjectResult => r !== undefined).sort((a, b) => a.id - b.id),
    // Selectors that named no project first, then projects in order, whatever order they failed in.
    errors: [...missing.map((message) => ({ project: message, message })), ...errors.sort((a, b) => a.project - b.project)],
    requests: ctx.client.requestCount,
    s3Requests: ctx.markers.requestCount,
  };
}

export interface SettingsError extends Error {
  name: "SettingsError";
}

export function settingsError(problems: SettingsProblem[]): SettingsError {
  return tagged<SettingsError>("SettingsError", `invalid storage settings: ${problems.map((p) => p.reason).join("; ")}`, {});
}

export const isSettingsError = (err: unknown): err is SettingsError => hasName<SettingsError>(err, "SettingsError");

function describeResult(result: ProjectResult, dryRun?: boolean): string {
  const part = (direction: Direction) => {
    const r = result[direction];
    const what = dryRun && r.action !== "unchanged" ? `would be ${r.action}` : r.action;
    return `${direction} ${what}${r.changed ? ` [${r.changed.join(", ")}]` : ""} (${r.prefix})`;
  };
  return `project ${result.id} ${result.slug}: ${part("import")}, ${part("export")}${result.synced ? ", synced" : ""}`;
}
