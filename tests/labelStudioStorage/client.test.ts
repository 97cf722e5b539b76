import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LabelStudioClient } from "../../src/labelStudioStorage/client";
import { isAmbiguousWriteError, isAuthError, isLabelStudioApiError } from "../../src/labelStudioStorage/errors";
import { startFakeServer } from "../harness/http";
import { REFRESH_PATH } from "./fakeLabelStudio";
import { S3_CREDENTIALS } from "./s3Server";
import { BUCKET, LEGACY_TOKEN, PAT, startWorld, type World } from "./world";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => {
  await world.close();
});

const calls = () => world.ls.server.requests.map((r) => `${r.method} ${r.path}${r.query.size ? `?${r.query}` : ""}`);

describe("LabelStudioClient against the fake Label Studio", () => {
  it("lists every project, page 1 first and then the other pages together, with a legacy token", async () => {
    for (let i = 1; i <= 230; i++) world.ls.addProject(`Project ${i}`);
    const client = world.client();
    const projects = await client.listProjects();
    expect(projects).toHaveLength(230);
    // By id, though Label Studio lists the newest first and pages may come back in any order.
    expect(projects.map((p) => p.id)).toEqual(Array.from({ length: 230 }, (_, i) => i + 1));
    expect(projects[0]).toEqual({ id: 1, title: "Project 1" });
    expect(calls()[0]).toBe("GET /api/projects/?page=1&page_size=100");
    expect(calls().sort()).toEqual(["GET /api/projects/?page=1&page_size=100", "GET /api/projects/?page=2&page_size=100", "GET /api/projects/?page=3&page_size=100"]);
    expect(world.ls.server.requests.every((r) => r.headers.authorization === `Token ${LEGACY_TOKEN}`)).toBe(true);
    expect(client.requestCount).toBe(3);
  });

  it("lists projects created or deleted during the listing once each, without failing", async () => {
    // A Label Studio whose project list changes between page 1 and the others.
    const scripted = async (pages: Record<number, { count: number; ids: number[]; next: boolean } | "gone">) => {
      const server = await startFakeServer((req) => {
        const page = pages[Number(req.query.get("page"))] ?? "gone";
        if (page === "gone") return { status: 404, body: { status_code: 404, detail: "Invalid page." } };
        return { status: 200, body: { count: page.count, next: page.next ? "http://internal/next" : null, previous: null, results: page.ids.map((id) => ({ id, title: `P${id}` })) } };
      });
      const client = new LabelStudioClient({ url: server.url, token: LEGACY_TOKEN });
      try {
        return { ids: (await client.listProjects()).map((p) => p.id), requests: client.requestCount };
      } finally {
        await server.close();
      }
    };
    const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    // 250 projects at page 1; then 60 deleted: page 2 shifted back (ids 91-100 seen twice), page 3 gone.
    expect(await scripted({ 1: { count: 250, ids: ids(1, 100), next: true }, 2: { count: 190, ids: ids(91, 190), next: false } })).toEqual({ ids: ids(1, 190), requests: 3 });
    // 150 at page 1; then 60 created: page 2 still has a next, so page 3 is fetched too.
    expect(await scripted({ 1: { count: 150, ids: ids(1, 100), next: true }, 2: { count: 210, ids: ids(101, 200), next: true }, 3: { count: 210, ids: ids(201, 210), next: false } })).toEqual({ ids: ids(1, 210), requests: 3 });
  });

  it("exchanges a personal access token once, and again when the access token expires", async () => {
    await world.close();
    // Long enough that a loaded machine does not expire it before the first requests land.
    world = await startWorld({ pat: PAT, accessTtlMs: 1_500 });
    const { id } = world.ls.addProject("Fish");
    const client = world.client({ token: PAT });
    await Promise.all([client.getProject(id), client.listStorages("import", id), client.listStorages("export", id)]);
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    await client.getProject(id);
    const refreshes = world.ls.server.requests.filter((r) => r.path === REFRESH_PATH);
    expect(refreshes.map((r) => r.body)).toEqual([{ refresh: PAT }, { refresh: PAT }]);
    // After expiry: the 401, the exchange, the retried request.
    expect(calls().slice(-3)).toEqual([`GET /api/projects/${id}/`, `POST ${REFRESH_PATH}`, `GET /api/projects/${id}/`]);
    expect(world.ls.server.requests.at(-3)!.headers.authorization).not.toBe(world.ls.server.requests.at(-1)!.headers.authorization);
    expect(world.ls.server.requests.at(-1)!.headers.authorization).toMatch(/^Bearer eyJ/);
  });

  it("fails clearly, without the token, when the PAT or the legacy token is refused", async () => {
    await world.close();
    world = await startWorld({ pat: "eyJ.other.pat" });
    const patError = await world.client({ token: PAT }).listProjects().catch((e: unknown) => e);
    expect(isAuthError(patError)).toBe(true);
    expect((patError as Error).message).toMatch(/answered 401 to POST \/api\/token\/refresh\/: Token is invalid or expired — check the personal access token/);
    const legacyError = await world.client().listProjects().catch((e: unknown) => e);
    expect((legacyError as Error).message).toMatch(/answered 401 to GET \/api\/projects\/: Invalid token\. — .*legacy tokens enabled/);
    for (const err of [patError, legacyError]) expect(JSON.stringify([(err as Error).message, (err as Error).stack])).not.toMatch(new RegExp(`${LEGACY_TOKEN}|${PAT.slice(0, 30)}`));
    // 401s are final: one attempt each (plus nothing else).
    expect(calls()).toEqual([`POST ${REFRESH_PATH}`, "GET /api/projects/?page=1&page_size=100"]);
  });

  it("retries 500, resets and slow answers on reads, and waits out Retry-After on 429", async () => {
    const { id } = world.ls.addProject("Fish");
    world.ls.server.inject(/^GET \/api\/storages\/s3\/$/, { kind: "status", status: 500, body: { detail: "boom" } });
    world.ls.server.inject(/^GET \/api\/storages\/s3\/$/, { kind: "reset" });
    world.ls.server.inject(/^GET \/api\/storages\/s3\/$/, { kind: "delay", ms: 400 });
    world.ls.server.inject(/^GET \/api\/storages\/s3\/$/, { kind: "status", status: 429, headers: { "retry-after": "1" } });
    const client = world.client({ timeoutMs: 200 });
    const started = Date.now();
    expect(await client.listStorages("import", id)).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(client.requestCount).toBe(5);
  });

  it("gives up on a read when its time budget is spent, naming the request and the attempts", async () => {
    const { id } = world.ls.addProject("Fish");
    world.ls.server.randomFaults({ seed: 7, faults: [{ probability: 1, fault: { kind: "status", status: 503, body: { detail: "Service Unavailable" } } }] });
    const started = Date.now();
    const err = await world.client({ retry: { budgetMs: 300, minDelayMs: 10, maxDelayMs: 40 } }).listStorages("export", id).catch((e: unknown) => e);
    // No wait ends past the budget; the last attempt's own round trip may.
    expect(Date.now() - started).toBeLessThan(400);
    expect(isLabelStudioApiError(err)).toBe(true);
    expect((err as Error).message).toMatch(/^Label Studio answered 503 to GET \/api\/storages\/export\/s3: Service Unavailable \(gave up after \d+ attempts in \d+(\.\d)? s: retry budget 0\.3 s\)$/);
    expect(world.ls.server.requests.length).toBeGreaterThan(3);
  });

  it("retries a create only on 429; a 500 or timeout is reported as ambiguous, not re-posted", async () => {
    const { id } = world.ls.addProject("Fish");
    await world.s3.put(BUCKET, "p/.oceanid-keep");
    const body = { project: id, bucket: BUCKET, prefix: "p/", s3_endpoint: world.s3.endpoint, aws_access_key_id: S3_CREDENTIALS.accessKeyId, aws_secret_access_key: S3_CREDENTIALS.secretAccessKey };
    world.ls.server.inject(/^POST \/api\/storages\/s3\/$/, { kind: "status", status: 429 });
    const client = world.client();
    const created = await client.createStorage("import", body);
    expect(created).toMatchObject({ id: 1, project: id, bucket: BUCKET, prefix: "p/" });
    expect(created).not.toHaveProperty("aws_secret_access_key");
    world.ls.server.inject(/^POST \/api\/storages\/s3\/$/, { kind: "status", status: 502 });
    expect(isAmbiguousWriteError(await client.createStorage("import", body).catch((e: unknown) => e))).toBe(true);
    world.ls.afterWrite(/^POST \/api\/storages\/s3\/$/, { kind: "delay", ms: 500 });
    expect(isAmbiguousWriteError(await world.client({ timeoutMs: 100 }).createStorage("import", body).catch((e: unknown) => e))).toBe(true);
    expect(calls().filter((c) => c.startsWith("POST"))).toHaveLength(4);
  });

  it("surfaces Label Studio's detail and field errors, and redacts secrets an error echoes", async () => {
    const { id } = world.ls.addProject("Fish");
    const client = world.client();
    const base = { project: id, bucket: BUCKET, s3_endpoint: world.s3.endpoint };
    const keys = { aws_access_key_id: S3_CREDENTIALS.accessKeyId, aws_secret_access_key: S3_CREDENTIALS.secretAccessKey };
    const empty = await client.createStorage("import", { ...base, prefix: "nothing/here/", ...keys }).catch((e: unknown) => e);
    expect(empty).toMatchObject({ status: 400, detail: "Validation error", fieldErrors: { non_field_errors: [`s3://${BUCKET}/nothing/here/ not found.`] } });
    expect((empty as Error).message).toBe(`Label Studio answered 400 to POST /api/storages/s3/: Validation error (non_field_errors: s3://${BUCKET}/nothing/here/ not found.)`);
    const half = await client.createStorage("export", { ...base, aws_access_key_id: "x" }).catch((e: unknown) => e);
    expect((half as Error).message).toMatch(/aws_secret_access_key: Access Key ID and Secret Access Key must be provided together\./);
    const wrongKey = await client.createStorage("export", { ...base, aws_access_key_id: "AKIAWRONG", aws_secret_access_key: "x" }).catch((e: unknown) => e);
    expect((wrongKey as Error).message).toMatch(/Cannot connect to S3 uploads with specified AWS credentials/);
    world.ls.server.inject(/^PATCH /, { kind: "status", status: 400, body: { detail: `bad key ${S3_CREDENTIALS.secretAccessKey} for token ${LEGACY_TOKEN}`, validation_errors: { aws_secret_access_key: [S3_CREDENTIALS.secretAccessKey] } } });
    const echoed = await client.updateStorage("import", 1, keys).catch((e: unknown) => e);
    expect((echoed as Error).message).toBe("Label Studio answered 400 to PATCH /api/storages/s3/1: bad key [redacted] for token [redacted] (aws_secret_access_key: [redacted])");
    expect(JSON.stringify(echoed)).not.toContain(S3_CREDENTIALS.secretAccessKey);
  });
});

describe("the fake Label Studio is strict", () => {
  it("answers Django's HTML 404 for the wrong slash form and 404 for an unknown project", async () => {
    const { id } = world.ls.addProject("Fish");
    const auth = { authorization: `Token ${LEGACY_TOKEN}` };
    const wrong = await fetch(`${world.ls.url}/api/storages/export/s3/?project=${id}`, { headers: auth });
    expect([wrong.status, wrong.headers.get("content-type")]).toEqual([404, "text/html"]);
    expect((await fetch(`${world.ls.url}/api/storages/s3?project=${id}`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${world.ls.url}/api/storages/s3/?project=${id}`, { headers: auth })).status).toBe(200);
    const missing = await fetch(`${world.ls.url}/api/storages/s3/?project=999`, { headers: auth });
    expect(await missing.json()).toMatchObject({ status_code: 404, detail: "Not found.", version: expect.any(String), exc_info: null });
    const client = world.client();
    await expect(client.listStorages("import", 999)).rejects.toThrow("Label Studio answered 404 to GET /api/storages/s3/: Not found.");
  });
});
