import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isAuthError } from "../../src/labelStudioStorage/errors";
import { isProvisionError, isSettingsError, provision, reconcileProject, selectProjects, type ProvisionError } from "../../src/labelStudioStorage/reconcile";
import type { RetryWait } from "../../src/http/retry";
import { S3_CREDENTIALS } from "./s3Server";
import { faultyRun } from "./faultyRuns";
import { BUCKET, FAST_RETRY, LEGACY_TOKEN, startWorld, type World } from "./world";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => {
  await world.close();
});

const writes = () => world.ls.server.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);

describe("provision", () => {
  it("creates, marks, syncs on the first run and makes no write on the second", async () => {
    const fish = world.ls.addProject("Fish Photos");
    const ner = world.ls.addProject("NER Data");
    await world.s3.put(BUCKET, "raw-uploads/fish-photos-1/import/a.jpg");
    await world.s3.put(BUCKET, "raw-uploads/fish-photos-1/import/nested/b.jpg");
    // One at a time, so storage ids are predictable.
    const lines: string[] = [];
    const first = await provision(world.context(), { projects: "all", concurrency: 1, onProgress: (line) => lines.push(line) });
    expect(first.errors).toEqual([]);
    expect(lines).toEqual([
      "project 1 fish-photos: import created (raw-uploads/fish-photos-1/import/), export created (annotations/fish-photos-1/export/), synced",
      "project 2 ner-data: import created (raw-uploads/ner-data-2/import/), export created (annotations/ner-data-2/export/), synced",
    ]);
    expect(first.projects).toEqual([
      {
        id: fish.id,
        title: "Fish Photos",
        slug: "fish-photos",
        import: { id: 1, prefix: "raw-uploads/fish-photos-1/import/", action: "created" },
        export: { id: 1, prefix: "annotations/fish-photos-1/export/", action: "created" },
        synced: true,
      },
      {
        id: ner.id,
        title: "NER Data",
        slug: "ner-data",
        import: { id: 2, prefix: "raw-uploads/ner-data-2/import/", action: "created" },
        export: { id: 2, prefix: "annotations/ner-data-2/export/", action: "created" },
        synced: true,
      },
    ]);
    // Listing + 2 lists, 2 creates and 1 sync per project.
    expect(first.requests).toBe(1 + 2 * 5);
    // Only import prefixes need a marker: Label Studio accepts an empty export prefix.
    expect(first.s3Requests).toBe(2);
    expect(await world.s3.keys(BUCKET)).toEqual([
      "raw-uploads/fish-photos-1/import/.oceanid-keep",
      "raw-uploads/fish-photos-1/import/a.jpg",
      "raw-uploads/fish-photos-1/import/nested/b.jpg",
      "raw-uploads/ner-data-2/import/.oceanid-keep",
    ]);
    const [fishImport] = world.ls.storages("import", fish.id);
    // Assets became tasks; the marker did not, nor did the nested key (not a recursive scan).
    expect([...fishImport.tasks]).toEqual(["raw-uploads/fish-photos-1/import/a.jpg"]);
    expect(fishImport.fields).toMatchObject({ use_blob_urls: true, presign: true, title: "Uploads", aws_access_key_id: S3_CREDENTIALS.accessKeyId });
    expect(world.ls.server.requests.filter((r) => r.method === "GET").every((r) => !JSON.stringify(r).includes(S3_CREDENTIALS.secretAccessKey))).toBe(true);

    world.ls.server.requests.length = 0;
    lines.length = 0;
    const again = await provision(world.context(), { projects: "all", concurrency: 1, onProgress: (line) => lines.push(line) });
    expect(again.projects.map((p) => [p.import.action, p.export.action, p.synced])).toEqual([
      ["unchanged", "unchanged", false],
      ["unchanged", "unchanged", false],
    ]);
    expect(writes()).toEqual([]);
    expect(again.requests).toBe(1 + 2 * 2);
    expect(again.s3Requests).toBe(0);
    expect(lines).toEqual([
      "project 1 fish-photos: import unchanged (raw-uploads/fish-photos-1/import/), export unchanged (annotations/fish-photos-1/export/)",
      "project 2 ner-data: import unchanged (raw-uploads/ner-data-2/import/), export unchanged (annotations/ner-data-2/export/)",
    ]);
    expect(world.ls.storages("import")).toHaveLength(2);
    expect(world.ls.storages("export")).toHaveLength(2);
  });

  it("keeps the prefix after a rename, patches drift with the keys, and validates against a full prefix", async () => {
    const project = world.ls.addProject("Fish");
    await provision(world.context(), { projects: "all" });
    // Several objects: Label Studio's MaxKeys=1 check is a truncated listing (the s3rver DES case).
    for (const name of ["a.jpg", "b.jpg", "c.jpg"]) await world.s3.put(BUCKET, `raw-uploads/fish-1/import/${name}`);
    world.ls.renameProject(project.id, "Salmon");
    world.ls.server.requests.length = 0;
    const report = await provision({ ...world.context(), settings: { ...world.settings, importTitle: "Uploads v2" } }, { projects: [project.id] });
    expect(report.projects[0]).toMatchObject({
      slug: "salmon",
      import: { id: 1, prefix: "raw-uploads/fish-1/import/", action: "updated", changed: ["title"] },
      export: { action: "unchanged", prefix: "annotations/fish-1/export/" },
      synced: true,
    });
    expect(writes()).toEqual(["PATCH /api/storages/s3/1", "POST /api/storages/s3/1/sync"]);
    expect(world.ls.server.requests.find((r) => r.method === "PATCH")!.body).toEqual({
      title: "Uploads v2",
      bucket: BUCKET,
      aws_access_key_id: S3_CREDENTIALS.accessKeyId,
      aws_secret_access_key: S3_CREDENTIALS.secretAccessKey,
    });
    expect(world.ls.storages("import", project.id)[0].tasks.size).toBe(3);
  });

  it("adopts a storage whose create timed out or answered 500 instead of creating it twice", async () => {
    const project = world.ls.addProject("Fish");
    world.ls.afterWrite(/^POST \/api\/storages\/s3\/$/, { kind: "delay", ms: 600 });
    world.ls.afterWrite(/^POST \/api\/storages\/export\/s3$/, { kind: "status", status: 500 });
    const waits: RetryWait[] = [];
    const report = await provision(world.context({ timeoutMs: 300, retry: { ...FAST_RETRY, onWait: (w) => waits.push(w) } }), { projects: "all" });
    expect(report.errors).toEqual([]);
    // Each wait names the write whose outcome is being found out, and the project.
    expect(waits.map(({ service, request, reason, attempt, scope }) => ({ service, request, reason, attempt, scope }))).toEqual([
      { service: "Label Studio", request: "create import storage", reason: "no answer within 300 ms", attempt: 1, scope: "project 1" },
      { service: "Label Studio", request: "create export storage", reason: "500", attempt: 1, scope: "project 1" },
    ]);
    expect(report.projects[0]).toMatchObject({ import: { id: 1, action: "created" }, export: { id: 1, action: "created" }, synced: true });
    expect(world.ls.storages("import", project.id)).toHaveLength(1);
    expect(world.ls.storages("export", project.id)).toHaveLength(1);
    expect(writes()).toEqual(["POST /api/storages/s3/", "POST /api/storages/export/s3", "POST /api/storages/s3/1/sync"]);
  });

  it("marks an export prefix too when Label Studio before 1.9 refuses it empty, without a second storage", async () => {
    await world.close();
    world = await startWorld({ legacyToken: LEGACY_TOKEN, exportPrefixMustExist: true });
    const project = world.ls.addProject("Fish");
    const report = await provision(world.context(), { projects: "all" });
    expect(report.errors).toEqual([]);
    expect(report.projects[0]).toMatchObject({ import: { id: 1, action: "created" }, export: { id: 1, action: "created" }, synced: true });
    expect(writes()).toEqual(["POST /api/storages/s3/", "POST /api/storages/export/s3", "POST /api/storages/export/s3", "POST /api/storages/s3/1/sync"]);
    expect(world.ls.storages("export", project.id)).toHaveLength(1);
    expect(await world.s3.keys(BUCKET)).toEqual(["annotations/fish-1/export/.oceanid-keep", "raw-uploads/fish-1/import/.oceanid-keep"]);
  });

  it("reports a project's validation error by name and goes on with the others", async () => {
    world.ls.addProject("Good");
    world.ls.addProject("Bad");
    // The first create (project 1, concurrency 1) is refused with a field error.
    world.ls.server.inject(/^POST \/api\/storages\/s3\/$/, { kind: "status", status: 400, body: { id: "x", status_code: 400, version: "1.23.0", detail: "Validation error", exc_info: null, validation_errors: { regex_filter: ["Invalid regex"] } } });
    const report = await provision(world.context(), { projects: "all", concurrency: 1 });
    expect(report.errors).toEqual([{ project: 1, message: 'project 1 "Good": import storage: Label Studio answered 400 to POST /api/storages/s3/: Validation error (regex_filter: Invalid regex)' }]);
    expect(report.projects.map((p) => p.id)).toEqual([2]);
  });

  it("reports a sync Label Studio refused with its step, and the next run syncs the storage left unsynced", async () => {
    world.ls.addProject("Fish");
    // Deleted in the UI between the create and the sync, say.
    world.ls.server.inject(/^POST \/api\/storages\/s3\/1\/sync$/, { kind: "status", status: 404, body: { id: "x", status_code: 404, version: "1.23.0", detail: "Not found.", exc_info: null } });
    const report = await provision(world.context(), { projects: "all" });
    expect(report.errors).toEqual([{ project: 1, message: 'project 1 "Fish": syncing import storage: Label Studio answered 404 to POST /api/storages/s3/1/sync: Not found.' }]);
    const again = await provision(world.context(), { projects: "all" });
    expect(again.projects[0]).toMatchObject({ import: { action: "unchanged" }, export: { action: "unchanged" }, synced: true });
  });

  it("reports selectors that name no project first, then failed projects in id order, whatever order they failed in", async () => {
    world.ls.addProject("One");
    world.ls.addProject("Two");
    // Project 2's regex would import its marker: it fails before any request, while project 1
    // fails only at its last step.
    const settings = { ...world.settings, importRegex: "raw-uploads/two-2/" };
    world.ls.server.inject(/^POST \/api\/storages\/s3\/1\/sync$/, { kind: "status", status: 404, body: { detail: "Not found." } });
    const report = await provision({ ...world.context(), settings }, { projects: ["Nine", 2, 1] });
    expect(report.errors.map((e) => e.project)).toEqual(['no project titled "Nine"', 1, 2]);
    expect(report.errors[0]).toEqual({ project: 'no project titled "Nine"', message: 'no project titled "Nine"' });
    expect(report.errors[2].message).toMatch(/^project 2 "Two": importRegex "raw-uploads\/two-2\/" matches the marker object/);
  });

  it("keeps each project's import and export apart when both prefixes share one root", async () => {
    world.ls.addProject("Fish");
    const report = await provision({ ...world.context(), settings: { ...world.settings, importPrefix: "media", exportPrefix: "media" } }, { projects: "all" });
    expect(report.errors).toEqual([]);
    expect(report.projects[0]).toMatchObject({ import: { prefix: "media/fish-1/import/", action: "created" }, export: { prefix: "media/fish-1/export/", action: "created" } });
  });

  it("fails only the project whose own prefixes are wrong, naming every problem, before any of its requests", async () => {
    world.ls.addProject("One");
    world.ls.addProject("Two");
    // Fine for project 1 (and the sample project the settings are checked with), not for project 2.
    const settings = { ...world.settings, importPrefix: "data/{project_id}", exportPrefix: "data/2/{project}", importRegex: "data/2/" };
    const report = await provision({ ...world.context(), settings }, { projects: "all" });
    expect(report.projects.map((p) => p.id)).toEqual([1]);
    expect(report.errors).toEqual([
      {
        project: 2,
        message:
          'project 2 "Two": importRegex "data/2/" matches the marker object "data/2/.oceanid-keep", which would become a task; exclude keys starting with "." in their last segment (default "^(?:.*/)?[^/.][^/]*$"); ' +
          'import prefix "data/2/" and export prefix "data/2/two-2/" overlap: exported annotations would be imported as tasks',
      },
    ]);
    expect(world.ls.server.requests.filter((r) => r.query.get("project") === "2" || JSON.stringify(r.body ?? "").includes('"project":2'))).toEqual([]);
  });

  it("does not retry an import storage Label Studio says has no objects: its marker was written, the fault is elsewhere", async () => {
    world.ls.addProject("Fish");
    // As when Label Studio reaches another S3 than we do (its own endpoint or region).
    const notFound = "s3://uploads/raw-uploads/fish-1/import/ not found.";
    world.ls.server.inject(/^POST \/api\/storages\/s3\/$/, { kind: "status", status: 400, body: { id: "x", status_code: 400, version: "1.23.0", detail: "Validation error", exc_info: null, validation_errors: { non_field_errors: [notFound] } } });
    const report = await provision(world.context(), { projects: "all" });
    expect(report.errors).toEqual([{ project: 1, message: `project 1 "Fish": import storage: Label Studio answered 400 to POST /api/storages/s3/: Validation error (non_field_errors: ${notFound})` }]);
    expect(writes()).toEqual(["POST /api/storages/s3/"]);
    expect(report.s3Requests).toBe(1);
  });

  it("stops everything on an auth failure", async () => {
    for (let i = 0; i < 5; i++) world.ls.addProject(`P${i}`);
    world.ls.server.inject(/^GET \/api\/storages\/s3\/$/, { kind: "status", status: 403, body: { detail: "You do not have permission to perform this action." } });
    const err = await provision(world.context(), { projects: "all", concurrency: 1 }).catch((e: unknown) => e);
    expect(isProvisionError(err)).toBe(true);
    expect(isAuthError((err as ProvisionError).cause)).toBe(true);
    expect((err as Error).message).toMatch(/^project 1 "P0": import storage: Label Studio answered 403 .*permission/);
    expect(world.ls.server.requests).toHaveLength(2);
  });

  it("plans without writing anything in a dry run", async () => {
    world.ls.addProject("Fish");
    const lines: string[] = [];
    const report = await provision(world.context({ dryRun: true }), { projects: ["Fish"], onProgress: (line) => lines.push(line) });
    expect(report.projects[0]).toMatchObject({ import: { id: null, action: "created" }, export: { id: null, action: "created" }, synced: false });
    expect(lines).toEqual(["project 1 fish: import would be created (raw-uploads/fish-1/import/), export would be created (annotations/fish-1/export/)"]);
    expect(writes()).toEqual([]);
    expect(await world.s3.keys(BUCKET)).toEqual([]);
  });

  it("neither patches nor syncs an existing storage in a dry run, though a real run would do both", async () => {
    world.ls.addProject("Fish");
    expect((await provision(world.context(), { projects: ["Fish"] })).errors).toEqual([]);
    world.ls.server.requests.length = 0;
    const renamed = { ...world.settings, importTitle: "Renamed uploads", importRegex: "^(?:.*/)?[^/.][^/]*\\.jpg$" };
    const lines: string[] = [];
    const report = await provision({ ...world.context({ dryRun: true }), settings: renamed }, { projects: ["Fish"], onProgress: (line) => lines.push(line) });
    expect(report.projects[0]).toMatchObject({ import: { id: 1, action: "updated", changed: ["regex_filter", "title"] }, export: { id: 1, action: "unchanged" }, synced: false });
    expect(lines).toEqual(["project 1 fish: import would be updated [regex_filter, title] (raw-uploads/fish-1/import/), export unchanged (annotations/fish-1/export/)"]);
    expect(writes()).toEqual([]);
    const real = await provision({ ...world.context(), settings: renamed }, { projects: ["Fish"] });
    expect(real.projects[0]).toMatchObject({ import: { id: 1, action: "updated" }, synced: true });
    expect(writes()).toEqual(["PATCH /api/storages/s3/1", "POST /api/storages/s3/1/sync"]);
  });

  it("rejects settings that would import the marker before any request", async () => {
    world.ls.addProject("Fish");
    expect(isSettingsError(await provision({ ...world.context(), settings: { ...world.settings, importRegex: ".*" } }, { projects: "all" }).catch((e: unknown) => e))).toBe(true);
    await expect(provision({ ...world.context(), settings: { ...world.settings, exportPrefix: "raw-uploads/{project}/import/x" } }, { projects: "all" })).rejects.toThrow(/overlap/);
    expect(world.ls.server.requests).toEqual([]);
  });

  it("never has more than `concurrency` Label Studio requests in flight", async () => {
    for (let i = 0; i < 12; i++) world.ls.addProject(`P${i}`);
    world.ls.server.setLatency(40);
    const ctx = world.context();
    let inFlight = 0;
    let peak = 0;
    const record = ctx.client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    for (const method of ["listStorages", "createStorage", "updateStorage", "syncStorage"]) {
      const original = record[method].bind(ctx.client);
      record[method] = async (...args: unknown[]) => {
        peak = Math.max(peak, ++inFlight);
        try {
          return await original(...args);
        } finally {
          inFlight--;
        }
      };
    }
    const started = Date.now();
    const report = await provision(ctx, { projects: "all", concurrency: 3 });
    expect(peak).toBe(3);
    // 12 projects × 5 requests × 40 ms ÷ 3 in flight, plus the listing.
    expect(Date.now() - started).toBeGreaterThanOrEqual((12 * 5 * 40) / 3);
    expect(report.projects).toHaveLength(12);
  });

  it("keeps the project listing within `concurrency` requests in flight too", async () => {
    // Five pages of 100 projects.
    for (let i = 0; i < 401; i++) world.ls.addProject(`P${i}`);
    world.ls.server.setLatency(100);
    const report = await provision(world.context(), { projects: [1], concurrency: 3 });
    expect(report.errors).toEqual([]);
    const pages = world.ls.server.requests.filter((r) => r.path === "/api/projects/").map((r) => r.receivedAt);
    expect(pages).toHaveLength(5);
    // Each answer takes 100 ms: requests that arrive within 50 ms of one another overlap.
    const peak = Math.max(...pages.map((at) => pages.filter((other) => other >= at && other - at < 50).length));
    expect(peak).toBeLessThanOrEqual(3);
  });
});

describe("provision through transient faults", () => {
  it("converges in seeded runs of 20 projects with 30% faults, never duplicating a storage (50 runs: bench/provision-faults.ts)", async () => {
    await world.close();
    // s3rver's in-memory store: the same answers, without its per-request file system work.
    world = await startWorld({ legacyToken: LEGACY_TOKEN }, { store: "memory" });
    const runs = [];
    for (let seed = 1; seed <= 8; seed++) runs.push(await faultyRun(world, seed));
    expect(runs.flatMap((r) => r.problems)).toEqual([]);
    // The faults did happen, after-effect ones on writes included.
    expect(runs.reduce((sum, r) => sum + r.faults, 0)).toBeGreaterThan(8 * 20 * 6 * 0.25);
    expect(world.ls.server.faultLog.filter((f) => /^POST .* after effect$/.test(f)).length).toBeGreaterThan(10);
  }, 300_000);

  it("reports progress while it waits, naming the project and the budget", async () => {
    const project = world.ls.addProject("Fish");
    world.ls.server.inject(/^GET \/api\/storages\/s3\/$/, { kind: "status", status: 429, headers: { "retry-after": "1" } });
    const waits: RetryWait[] = [];
    const report = await provision(world.context({ retry: { ...FAST_RETRY, maxRetryAfterMs: 10, onWait: (w) => waits.push(w) } }), { projects: "all" });
    expect(report.errors).toEqual([]);
    expect(waits).toEqual([expect.objectContaining({ service: "Label Studio", request: "GET /api/storages/s3/", reason: "429", delayMs: 10, scope: `project ${project.id}`, budgetMs: 3000 })]);
  });

  it("ends a project that keeps failing past its budget with its last error, and goes on with the others", async () => {
    world.ls.addProject("Good");
    const bad = world.ls.addProject("Bad");
    world.ls.server.randomFaults({ seed: 1, match: /^PATCH|^POST \/api\/storages\/export\/s3$/, faults: [{ probability: 1, fault: { kind: "status", status: 502, body: "<html>Bad Gateway</html>", headers: { "content-type": "text/html" } } }] });
    // The first project's export create goes through before the faults start.
    const started = Date.now();
    const report = await provision(world.context({ retry: { ...FAST_RETRY, budgetMs: 300 } }), { projects: [bad.id] });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(report.errors).toEqual([
      { project: bad.id, message: expect.stringMatching(/^project 2 "Bad": export storage: Label Studio answered 502 to POST \/api\/storages\/export\/s3: Bad Gateway \(gave up after \d+ attempts in \d+(\.\d)? s: retry budget 0\.3 s\)$/) },
    ]);
    expect(world.ls.storages("export", bad.id)).toEqual([]);
  });

  it("stops starting projects when the run's budget is spent, and reports each one left", async () => {
    for (const title of ["One", "Two", "Three"]) world.ls.addProject(title);
    world.ls.server.inject(/^GET \/api\/storages\/s3\/$/, { kind: "delay", ms: 400 });
    const deadline = Date.now() + 200;
    const report = await provision(world.context({ retry: { ...FAST_RETRY, deadline } }), { projects: "all", concurrency: 1, deadline });
    expect(report.projects).toEqual([]);
    expect(report.errors).toEqual([
      { project: 1, message: expect.stringMatching(/^project 1 "One": export storage: Label Studio GET \/api\/storages\/export\/s3: not sent, the run's time budget is spent$/) },
      { project: 2, message: `project 2 "Two": not started, the run's time budget is spent` },
      { project: 3, message: `project 3 "Three": not started, the run's time budget is spent` },
    ]);
  });
});

describe("selectProjects", () => {
  const all = [
    { id: 1, title: "Fish" },
    { id: 2, title: "Twin" },
    { id: 3, title: "Twin" },
  ];
  it("takes ids, digit strings and exact titles; explains misses and ambiguity", () => {
    expect(selectProjects(all, [3, "1", "Fish", "fish", 9, "Twin"])).toEqual({
      projects: [all[0], all[2]],
      missing: ['no project titled "fish"', "no project with id 9", 'title "Twin" names 2 projects (ids 2, 3): use an id'],
    });
  });

  it("reads only whole numbers as ids: several digits, blanks around them; a title may start or end with digits", () => {
    const numbered = [
      { id: 12, title: "Batch 7" },
      { id: 2024, title: "2024 Photos" },
      { id: 3, title: "Fish" },
    ];
    expect(selectProjects(numbered, ["12", " 3 ", "2024 Photos", "Batch 7"])).toEqual({ projects: [numbered[2], numbered[0], numbered[1]], missing: [] });
    expect(selectProjects(numbered, ["7", "2024 photos"]).missing).toEqual(["no project with id 7", 'no project titled "2024 photos"']);
  });
});

describe("reconcileProject", () => {
  it("refuses a regex that matches this project's marker, naming the project", async () => {
    const project = world.ls.addProject("Fish");
    const ctx = { ...world.context(), settings: { ...world.settings, importRegex: "raw-uploads/fish-1/" } };
    await expect(reconcileProject(ctx, project)).rejects.toThrow(/^project 1 "Fish": importRegex "raw-uploads\/fish-1\/" matches the marker object/);
  });
});

describe("provision --all over a listing of several pages", () => {
  const addProjects = (count: number) => Array.from({ length: count }, (_, i) => world.ls.addProject(`Project ${i}`).id);
  const seen = (pattern: RegExp) => world.ls.server.requests.map((r, index) => ({ r, index })).filter(({ r }) => pattern.test(`${r.method} ${r.path}`));

  it("starts on page 1's projects before it asks for the later pages, and reconciles every project once", async () => {
    const ids = addProjects(230);
    const report = await provision(world.context({ dryRun: true }), { projects: "all", concurrency: 4 });
    expect(report.errors).toEqual([]);
    expect(report.projects.map((p) => p.id)).toEqual(ids);
    const pages = seen(/^GET \/api\/projects\/$/);
    expect(pages.map(({ r }) => r.query.get("page"))).toEqual(["1", "2", "3"]);
    const firstStorageListing = seen(/^GET \/api\/storages\//)[0].index;
    expect(firstStorageListing).toBeLessThan(pages[1].index);
    expect(seen(/^GET \/api\/storages\/s3\/$/)).toHaveLength(230);
  });

  it("keeps to `concurrency` requests in flight, the listing's pages included", async () => {
    addProjects(230);
    world.ls.server.setLatency(5);
    await provision(world.context({ dryRun: true }), { projects: "all", concurrency: 3 });
    expect(world.ls.server.peakInFlight()).toBe(3);
  });

  it("starts no project after the listing fails part-way, lets those under way finish, then throws the listing's error", async () => {
    addProjects(230);
    // Page 1 answers (a delay of 1 ms), page 2 is refused.
    world.ls.server.inject(/^GET \/api\/projects\/$/, { kind: "delay", ms: 1 });
    world.ls.server.inject(/^GET \/api\/projects\/$/, { kind: "status", status: 400, body: { detail: "Invalid page size." } });
    const err = (await provision(world.context({ dryRun: true }), { projects: "all", concurrency: 4 }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^Label Studio answered 400 to GET \/api\/projects\/: Invalid page size\./);
    const settled = world.ls.server.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(world.ls.server.requests.length).toBe(settled);
    // Page 1's 100 projects, each with both listings done; none from the pages after.
    expect(seen(/^GET \/api\/storages\/s3\/$/)).toHaveLength(100);
    expect(seen(/^GET \/api\/storages\/export\/s3$/)).toHaveLength(100);
  });
});

