import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { UNKNOWN } from "../../src/dynamicProviders/unknown";
import { STORAGE_DEFAULTS } from "../../src/labelStudioStorage/defaults";
import { PROVIDER_VERSION, type LabelStudioStorageProvider, type ProjectStorageInputs, type ProjectStorageOutputs } from "../../src/labelStudioStorage/provider";
import { serializeProvider, type SerializedProvider } from "../harness/provider";
import { S3_CREDENTIALS } from "./s3Server";
import { BUCKET, LEGACY_TOKEN, startWorld, type World } from "./world";

const STACK_CONFIG: Record<string, string> = {
  "oceanid-cluster:labelStudio.apiToken": LEGACY_TOKEN,
  "oceanid-cluster:aws.labelStudio.accessKeyId": S3_CREDENTIALS.accessKeyId,
  "oceanid-cluster:aws.labelStudio.secretAccessKey": S3_CREDENTIALS.secretAccessKey,
};
/** The provider host's Config: keys without a namespace are in the project's. */
const config = (raw: Record<string, string>) => ({
  get: (key: string) => raw[key.includes(":") ? key : `oceanid-cluster:${key}`],
  require: (key: string) => raw[key.includes(":") ? key : `oceanid-cluster:${key}`],
});
const SECRETS = [LEGACY_TOKEN, S3_CREDENTIALS.secretAccessKey, S3_CREDENTIALS.accessKeyId];

let serialized: SerializedProvider<LabelStudioStorageProvider>;
let world: World;
let provider: LabelStudioStorageProvider;

beforeAll(() => {
  serialized = serializeProvider<LabelStudioStorageProvider>("src/labelStudioStorage/provider.ts", "labelStudioStorageProvider");
});
beforeEach(async () => {
  world = await startWorld();
  provider = serialized.load();
  await provider.configure!({ config: config(STACK_CONFIG) });
});
afterEach(async () => {
  await world.close();
});

function inputs(overrides: Partial<ProjectStorageInputs> = {}): ProjectStorageInputs {
  return { ...STORAGE_DEFAULTS, version: "1", labelStudioUrl: world.ls.url, project: 1, bucket: BUCKET, region: world.settings.region, endpoint: world.s3.endpoint, ...overrides };
}

describe("labelstudio:ProjectStorage provider, loaded as the engine loads it", () => {
  it("serializes without any credential in the closure", () => {
    expect(serialized.containsSecrets).toBe(false);
    for (const secret of SECRETS) expect(serialized.text).not.toContain(secret);
    // The bundle carries packages as require()s (quoted inside the bundle string), not inlined.
    for (const dependency of ["aws4", "undici/lib/global", "fast-xml-parser"]) expect(serialized.text).toMatch(new RegExp(`require\\(\\\\?"${dependency}\\\\?"\\)`));
  });

  it("creates both storages from a title, with outputs and state free of credentials", async () => {
    const project = world.ls.addProject("NER Data");
    const result = await provider.create(inputs({ project: "NER Data" }));
    expect(result).toEqual({
      id: String(project.id),
      outs: {
        ...inputs({ project: "NER Data" }),
        projectId: project.id,
        slug: "ner-data",
        importStorageId: 1,
        importStoragePrefix: "raw-uploads/ner-data-1/import/",
        exportStorageId: 1,
        exportStoragePrefix: "annotations/ner-data-1/export/",
      },
    });
    const state = JSON.stringify({ ...result.outs, __provider: serialized.text });
    for (const secret of SECRETS) expect(state).not.toContain(secret);
    expect(world.ls.storages("import", project.id)[0].fields).toMatchObject({ aws_secret_access_key: S3_CREDENTIALS.secretAccessKey });
    expect(await world.s3.keys(BUCKET)).toEqual(["raw-uploads/ner-data-1/import/.oceanid-keep"]);
  });

  it("check reports bad inputs per property, tolerates unknowns, and makes no request", async () => {
    expect(UNKNOWN).toBe(pulumi.runtime.unknownValue); // the engine's own placeholder, not our copy of it
    const { failures } = await provider.check!(inputs(), inputs({ labelStudioUrl: "label.example.com", importRegex: ".*", project: 0 }));
    expect(failures).toEqual([
      { property: "labelStudioUrl", reason: 'labelStudioUrl must be an http(s) URL, got "label.example.com"' },
      { property: "project", reason: "project must be a positive id or a title, got 0" },
      { property: "importRegex", reason: expect.stringMatching(/^importRegex ".\*" matches the marker object/) },
    ]);
    expect((await provider.check!(inputs(), inputs({ importPrefix: UNKNOWN, labelStudioUrl: UNKNOWN }))).failures).toEqual([]);
    expect((await provider.check!(inputs(), inputs({ importPrefix: "a/{slug}" }))).failures).toEqual([{ property: "importPrefix", reason: "importPrefix has unknown placeholder {slug} (use {project} or {project_id})" }]);
    expect(world.ls.server.requests).toEqual([]);
  });

  it("check takes a positive integer id or a title that is not blank", async () => {
    const projectFailures = async (project: unknown) => (await provider.check!(inputs(), inputs({ project: project as number }))).failures;
    expect(await projectFailures("NER Data")).toEqual([]);
    expect(await projectFailures(12)).toEqual([]);
    expect(await projectFailures(1.5)).toEqual([{ property: "project", reason: "project must be a positive id or a title, got 1.5" }]);
    expect(await projectFailures("  ")).toEqual([{ property: "project", reason: 'project must be a positive id or a title, got "  "' }]);
    expect(await projectFailures(-3)).toEqual([{ property: "project", reason: "project must be a positive id or a title, got -3" }]);
    expect(await projectFailures(undefined)).toEqual([{ property: "project", reason: "project must be a positive id or a title, got undefined" }]);
  });

  it("check wants the URL to start with http(s)://, not merely contain it", async () => {
    expect((await provider.check!(inputs(), inputs({ labelStudioUrl: "url=https://label.example.com" }))).failures).toEqual([
      { property: "labelStudioUrl", reason: 'labelStudioUrl must be an http(s) URL, got "url=https://label.example.com"' },
    ]);
  });

  it("check names each required setting that is empty, blank or missing, and prefixes that overlap", async () => {
    const missingTitle = inputs({ bucket: "", region: " " });
    delete (missingTitle as Partial<ProjectStorageInputs>).exportTitle;
    expect((await provider.check!(inputs(), missingTitle)).failures).toEqual([
      { property: "bucket", reason: "bucket is required" },
      { property: "region", reason: "region is required" },
      { property: "exportTitle", reason: "exportTitle is required" },
    ]);
    // Checked on a sample project (id 1, titled "project"), as every project is again before its writes.
    expect((await provider.check!(inputs(), inputs({ importPrefix: "data/{project}/in", exportPrefix: "data/{project}" }))).failures).toEqual([
      { property: "exportPrefix", reason: 'import prefix "data/project-1/in/" and export prefix "data/project-1/" overlap: exported annotations would be imported as tasks' },
    ]);
  });

  it("check leaves the settings checks to the update while a value they read is unknown (no problem stated about a placeholder)", async () => {
    expect((await provider.check!(inputs(), inputs({ importPrefix: UNKNOWN, importRegex: ".*" }))).failures).toEqual([]);
    expect((await provider.check!(inputs(), inputs({ importPrefix: UNKNOWN, exportTitle: "" }))).failures).toEqual([]);
  });

  it("diff compares inputs only, replaces for another project or Label Studio, and makes no request", async () => {
    const olds: ProjectStorageOutputs = { ...inputs({ project: "NER Data" }), projectId: 1, slug: "ner-data", importStorageId: 1, importStoragePrefix: "p/", exportStorageId: 1, exportStoragePrefix: "q/" };
    const withProvider = { ...inputs({ project: "NER Data" }), __provider: serialized.text } as ProjectStorageInputs;
    expect(await provider.diff!("1", olds, withProvider)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect(await provider.diff!("1", olds, inputs({ project: "NER Data", endpoint: undefined }))).toMatchObject({ changes: true, replaces: [] });
    expect(await provider.diff!("1", olds, inputs({ project: "NER Data", importTitle: "New" }))).toMatchObject({ changes: true, replaces: [] });
    expect(await provider.diff!("1", olds, inputs({ project: 1 }))).toMatchObject({ changes: true, replaces: [] });
    expect(await provider.diff!("1", olds, inputs({ project: 2 }))).toMatchObject({ changes: true, replaces: ["project"] });
    expect(await provider.diff!("1", olds, inputs({ project: "NER Data", labelStudioUrl: "https://other" }))).toMatchObject({ replaces: ["labelStudioUrl"] });
    expect(await provider.diff!("1", olds, inputs({ project: "NER Data", importRegex: UNKNOWN }))).toMatchObject({ changes: true });
    expect(await provider.diff!("1", { ...olds, exportStorageId: null }, inputs({ project: "NER Data" }))).toMatchObject({ changes: true });
    expect(await provider.diff!("1", { ...olds, importStorageId: null }, inputs({ project: "NER Data" }))).toMatchObject({ changes: true });
    // Unset is unset, whether state holds nothing or an empty string.
    expect(await provider.diff!("1", { ...olds, endpoint: undefined }, inputs({ project: "NER Data", endpoint: "" }))).toMatchObject({ changes: false });
    expect(world.ls.server.requests).toEqual([]);
  });

  it("reconciles again a resource whose state was written before the provider had a version", async () => {
    const olds: ProjectStorageOutputs = { ...inputs({ version: PROVIDER_VERSION }), projectId: 1, slug: "fish", importStorageId: 1, importStoragePrefix: "p/", exportStorageId: 1, exportStoragePrefix: "q/" };
    expect(await provider.diff!("1", olds, inputs({ version: PROVIDER_VERSION }))).toMatchObject({ changes: false });
    expect(await provider.diff!("1", { ...olds, version: undefined as unknown as string }, inputs({ version: PROVIDER_VERSION }))).toMatchObject({ changes: true, replaces: [] });
  });

  it("update patches drift and returns full outputs; refresh sees deleted storages and projects", async () => {
    const project = world.ls.addProject("Fish");
    const { outs } = await provider.create(inputs());
    const updated = await provider.update!(String(project.id), outs!, inputs({ importTitle: "Renamed uploads" }));
    expect(updated.outs).toEqual({ ...outs, importTitle: "Renamed uploads" });
    expect(world.ls.storages("import", project.id)[0].fields.title).toBe("Renamed uploads");

    world.ls.server.requests.length = 0;
    expect(await provider.read!(String(project.id), updated.outs)).toEqual({ id: String(project.id), props: updated.outs });
    expect(world.ls.server.requests.every((r) => r.method === "GET")).toBe(true);
    await fetch(`${world.ls.url}/api/storages/export/s3/1`, { method: "DELETE", headers: { authorization: `Token ${LEGACY_TOKEN}` } });
    // The last prefix known stays in state, for the next update to report.
    expect((await provider.read!(String(project.id), updated.outs)).props).toEqual({ ...updated.outs, exportStorageId: null });
    await fetch(`${world.ls.url}/api/storages/s3/1`, { method: "DELETE", headers: { authorization: `Token ${LEGACY_TOKEN}` } });
    expect((await provider.read!(String(project.id), updated.outs)).props).toEqual({ ...updated.outs, importStorageId: null, exportStorageId: null });
    world.ls.deleteProject(project.id);
    expect(await provider.read!(String(project.id), updated.outs)).toEqual({ id: "" });
  });

  it("refresh tells our export storage by its prefix from an older one moved onto the bucket", async () => {
    const project = world.ls.addProject("Fish");
    const lsWrite = (method: string, path: string, body: unknown) =>
      fetch(`${world.ls.url}${path}`, { method, headers: { authorization: `Token ${LEGACY_TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    // A teammate's export storage without a bucket yet: not ours, so ours is created beside it.
    expect((await lsWrite("POST", "/api/storages/export/s3", { project: project.id, title: "Manual" })).status).toBe(201);
    const { outs } = await provider.create(inputs());
    expect(outs).toMatchObject({ exportStorageId: 2, exportStoragePrefix: "annotations/fish-1/export/" });
    const keys = { aws_access_key_id: S3_CREDENTIALS.accessKeyId, aws_secret_access_key: S3_CREDENTIALS.secretAccessKey };
    expect((await lsWrite("PATCH", "/api/storages/export/s3/1", { bucket: BUCKET, prefix: "manual/", region_name: world.settings.region, s3_endpoint: world.s3.endpoint, ...keys })).status).toBe(200);
    expect(await provider.read!(String(project.id), outs)).toEqual({ id: String(project.id), props: outs });
  });

  it("refuses an import, which brings no state to read from", async () => {
    await expect(provider.read!("1")).rejects.toThrow(/^LabelStudioProjectStorage can be refreshed, not imported: declare it and run pulumi up$/);
    expect(world.ls.server.requests).toEqual([]);
  });

  it("refresh fails on any error but 404, so a revoked token or a server fault never drops the storages from state", async () => {
    const project = world.ls.addProject("Fish");
    const { outs } = await provider.create(inputs());
    world.ls.server.inject(/^GET \/api\/projects\//, { kind: "status", status: 403, body: { detail: "You do not have permission to perform this action." } });
    await expect(provider.read!(String(project.id), outs)).rejects.toMatchObject({ status: 403 });
    world.ls.server.inject(/^GET \/api\/projects\//, { kind: "status", status: 400, body: { detail: "bad request" } });
    await expect(provider.read!(String(project.id), outs)).rejects.toMatchObject({ status: 400 });
    const revoked = serialized.load();
    await revoked.configure!({ config: config({ ...STACK_CONFIG, "oceanid-cluster:labelStudio.apiToken": "revoked-token" }) });
    await expect(revoked.read!(String(project.id), outs)).rejects.toMatchObject({ status: 401 });
  });

  it("falls back to the environment, and names both sources when a credential is missing", async () => {
    const fresh = serialized.load();
    await fresh.configure!({ config: config({}) });
    world.ls.addProject("Fish");
    const error = await fresh.create(inputs()).catch((e: unknown) => e);
    expect((error as Error).message).toBe('missing token: set the secret stack config "labelStudio.apiToken" (pulumi config set --secret labelStudio.apiToken ...) or LABEL_STUDIO_TOKEN');
    expect(world.ls.server.requests).toEqual([]);
    const saved = { ...process.env };
    Object.assign(process.env, { LABEL_STUDIO_TOKEN: LEGACY_TOKEN, AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey });
    try {
      expect((await fresh.create(inputs())).id).toBe("1");
    } finally {
      process.env = saved;
    }
  });

  it("rides out transient faults inside `pulumi up` without a duplicate storage", async () => {
    for (let i = 1; i <= 3; i++) world.ls.addProject(`Project ${i}`);
    world.ls.server.randomFaults({
      seed: 5,
      faults: [
        { probability: 0.15, fault: { kind: "status", status: 503, body: { detail: "Service Unavailable" } } },
        { probability: 0.15, fault: { kind: "status", status: 500, body: { detail: "Server Error (500)" }, afterEffect: true } },
      ],
    });
    for (let i = 1; i <= 3; i++) await provider.create(inputs({ project: i }));
    for (let i = 1; i <= 3; i++) expect([world.ls.storages("import", i).length, world.ls.storages("export", i).length]).toEqual([1, 1]);
    expect(world.ls.server.faultLog.length).toBeGreaterThan(0);
  }, 60_000);

  it("gives up within the stack config's request budget, naming the project and the last error", async () => {
    const fresh = serialized.load();
    await fresh.configure!({ config: config({ ...STACK_CONFIG, "oceanid-cluster:api.requestBudgetSeconds": "1" }) });
    world.ls.addProject("Fish");
    world.ls.server.randomFaults({ seed: 1, match: /^GET \/api\/storages\//, faults: [{ probability: 1, fault: { kind: "status", status: 500, body: { detail: "Server Error (500)" } } }] });
    const started = Date.now();
    const error = await fresh.create(inputs()).catch((e: unknown) => e as Error);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect((error as Error).message).toMatch(/^project 1 "Fish": import storage: Label Studio answered 500 to GET \/api\/storages\/s3\/: Server Error \(500\) \(gave up after \d+ attempts in \d+(\.\d)? s: retry budget 1 s\)$/);
  });

  it("names the project and Label Studio's field errors when a create is refused", async () => {
    world.ls.addProject("Fish");
    const error = await provider.create(inputs({ bucket: "no-such-bucket" })).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^project 1 "Fish": import storage: writing marker s3:\/\/no-such-bucket\/raw-uploads\/fish-1\/import\/\.oceanid-keep failed: NoSuchBucket/);
    for (const secret of SECRETS) expect(JSON.stringify([(error as Error).message, (error as Error).stack])).not.toContain(secret);
  });

  it("refuses invalid settings before any request, naming every problem", async () => {
    world.ls.addProject("Fish");
    await expect(provider.create(inputs({ bucket: "", importTitle: " " }))).rejects.toThrow(/^invalid storage settings: bucket is required; importTitle is required$/);
    expect(world.ls.server.requests).toEqual([]);
  });

  it("resolves an id with one request and a title from the listing, and names a title that matches no project", async () => {
    world.ls.addProject("Fish");
    await provider.create(inputs({ project: 1 }));
    expect(world.ls.server.requests.filter((r) => r.path.startsWith("/api/projects/")).map((r) => r.path)).toEqual(["/api/projects/1/"]);
    world.ls.server.requests.length = 0;
    await expect(provider.create(inputs({ project: "Salmon" }))).rejects.toThrow(/^Label Studio: no project titled "Salmon"$/);
    expect(world.ls.server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /api/projects/"]);
  });

  it("refuses an update when the project's title now names another project, and writes nothing", async () => {
    const fish = world.ls.addProject("Fish");
    const { outs } = await provider.create(inputs({ project: "Fish" }));
    world.ls.renameProject(fish.id, "Old fish");
    world.ls.addProject("Fish");
    world.ls.server.requests.length = 0;
    await expect(provider.update!(String(fish.id), outs!, inputs({ project: "Fish", importTitle: "New" }))).rejects.toThrow(
      /^Label Studio project "Fish" is now project 2, not 1: use the id to keep managing 1$/,
    );
    expect(world.ls.server.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("takes a credential from the environment when its stack config is set but empty", async () => {
    const fresh = serialized.load();
    await fresh.configure!({ config: config({ ...STACK_CONFIG, "oceanid-cluster:labelStudio.apiToken": "" }) });
    world.ls.addProject("Fish");
    const saved = process.env.LABEL_STUDIO_TOKEN;
    process.env.LABEL_STUDIO_TOKEN = LEGACY_TOKEN;
    try {
      expect((await fresh.create(inputs())).id).toBe("1");
    } finally {
      if (saved === undefined) delete process.env.LABEL_STUDIO_TOKEN;
      else process.env.LABEL_STUDIO_TOKEN = saved;
    }
  });

  it("keeps the secret key out of its errors even when Label Studio quotes it back", async () => {
    world.ls.addProject("Fish");
    const quoted = `"${S3_CREDENTIALS.secretAccessKey}" is not a valid secret key.`;
    world.ls.server.inject(/^POST \/api\/storages\/s3\/$/, { kind: "status", status: 400, body: { id: "x", status_code: 400, version: "1.23.0", detail: "Validation error", exc_info: null, validation_errors: { aws_secret_access_key: [quoted] } } });
    const error = (await provider.create(inputs()).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe('project 1 "Fish": import storage: Label Studio answered 400 to POST /api/storages/s3/: Validation error (aws_secret_access_key: "[redacted]" is not a valid secret key.)');
  });

  it("gives up on an unreachable S3 within the stack config's request budget", async () => {
    const fresh = serialized.load();
    await fresh.configure!({ config: config({ ...STACK_CONFIG, "oceanid-cluster:api.requestBudgetSeconds": "1" }) });
    world.ls.addProject("Fish");
    const started = Date.now();
    const error = (await fresh.create(inputs({ endpoint: "http://127.0.0.1:1" })).catch((e: unknown) => e)) as Error;
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(error.message).toMatch(/^project 1 "Fish": import storage: writing marker s3:\/\/uploads\/raw-uploads\/fish-1\/import\/\.oceanid-keep failed: .*ECONNREFUSED.*retry budget 1 s\)$/);
    expect(world.ls.server.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });
});
