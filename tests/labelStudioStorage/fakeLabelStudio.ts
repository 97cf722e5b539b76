import { randomUUID } from "node:crypto";
import { startFakeServer, type FakeResponse, type FakeServer, type RecordedRequest } from "../harness/http";
import { isS3LiteError, s3Lite, type S3Lite } from "./s3Lite";

/**
 * A strict stand-in for Label Studio 1.x open source, faithful where our code depends on it:
 * - exact routes, APPEND_SLASH = False: `/api/storages/s3/` but `/api/storages/export/s3`; any
 *   other form is Django's HTML 404;
 * - auth: legacy `Token`, or a personal access token exchanged at `/api/token/refresh/` for
 *   access tokens that expire (→ 401), like simplejwt;
 * - page-number pagination of projects, newest first (page_size default 30, `Invalid page.`
 *   past the end);
 * - storage lists are plain arrays and need an existing `project` (else 404);
 * - the S3 serializer: key pair together, `validate_connection` against the real S3 server with
 *   the storage's own keys and endpoint (`s3://<bucket>/<prefix> not found.` for an import
 *   storage's empty prefix; an export prefix is listed too but may be empty, since Label Studio
 *   1.9, HumanSignal/label-studio#4762), access keys stored but never echoed; PATCH validates
 *   only when `bucket` is sent;
 * - export create validates and syncs; sync lists the prefix (Delimiter "/" unless recursive)
 *   and applies `regex_filter` with Python's `re.match`, one task per new key;
 * - errors in the `{id, status_code, version, detail, exc_info, validation_errors}` envelope.
 */
/**
 * Label Studio keeps a key when `re.match(regex_filter, key)` finds a match: Python's `re.match`
 * tries the pattern at position 0 only and does not require it to reach the end of the key.
 * Here that is an explicit `^` in front of the whole pattern, grouped so that an alternation
 * `a|b` is anchored in every branch. Python's named-group spellings `(?P<n>...)` and `(?P=n)`
 * become JavaScript's `(?<n>...)` and `\k<n>`.
 */
export function reMatcher(pattern: string): (key: string) => boolean {
  const js = pattern.replace(/\(\?P</g, "(?<").replace(/\(\?P=(\w+)\)/g, "\\k<$1>");
  const anchored = new RegExp(`^(?:${js})`);
  return (key) => anchored.test(key);
}

export interface FakeLabelStudioOptions {
  /** Accepted as `Token <legacyToken>`; unset = legacy tokens disabled (the new-install default). */
  legacyToken?: string;
  /** Personal access token (a JWT) accepted at the refresh endpoint. */
  pat?: string;
  /** Lifetime of access tokens issued for the PAT. */
  accessTtlMs?: number;
  /** Label Studio before 1.9: an export storage's prefix must hold an object too. */
  exportPrefixMustExist?: boolean;
  /**
   * Told how long each request's own work took (it runs within the injected latency): its
   * S3 validation and sync included. Requests are named as in requestSummary.
   */
  onProcessed?: (request: string, ms: number) => void;
}

export interface StoredStorage {
  id: number;
  project: number;
  fields: Record<string, unknown>;
  tasks: Set<string>;
}

/** Something that happens after a write was processed: its answer is delayed or replaced. */
export type AfterWrite = { kind: "delay"; ms: number } | { kind: "status"; status: number };

export interface FakeLabelStudio {
  url: string;
  server: FakeServer;
  addProject(title: string): { id: number; title: string };
  renameProject(id: number, title: string): void;
  /** Deletes the project and, as Label Studio cascades, its storages. */
  deleteProject(id: number): void;
  storages(direction: "import" | "export", project?: number): StoredStorage[];
  /** Queue an effect for the next processed write whose "METHOD path" matches. */
  afterWrite(match: RegExp, effect: AfterWrite): void;
  /** Requests grouped as "METHOD route" with ids replaced by {id}. */
  requestSummary(): Record<string, number>;
  close(): Promise<void>;
}

const VERSION = "1.23.0";
export const REFRESH_PATH = "/api/token/refresh/";

export function makeJwt(payload: Record<string, unknown>): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  return `${part({ alg: "HS256", typ: "JWT" })}.${part(payload)}.${Buffer.from(randomUUID()).toString("base64url")}`;
}

function envelope(status: number, detail: string, validationErrors?: Record<string, string[]>): FakeResponse {
  return {
    status,
    body: { id: randomUUID(), status_code: status, version: VERSION, detail, exc_info: null, ...(validationErrors ? { validation_errors: validationErrors } : {}) },
  };
}
const validation = (errors: Record<string, string[]>) => envelope(400, "Validation error", errors);
const djangoNotFound = (): FakeResponse => ({ status: 404, body: "<!doctype html><title>Not Found</title><h1>Not Found</h1>", headers: { "content-type": "text/html" } });

const STORAGE_FIELDS = ["title", "description", "bucket", "prefix", "regex_filter", "use_blob_urls", "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_sse_kms_key_id", "region_name", "s3_endpoint"];
const IMPORT_FIELDS = [...STORAGE_FIELDS, "presign", "presign_ttl", "recursive_scan"];
const EXPORT_FIELDS = [...STORAGE_FIELDS, "can_delete_objects"];
const SECURE_FIELDS = ["aws_access_key_id", "aws_secret_access_key"];

const summaryKey = (r: RecordedRequest) => `${r.method} ${r.path.replace(/\/\d+(?=\/|$)/g, "/{id}")}`;

export async function startFakeLabelStudio(options: FakeLabelStudioOptions = {}): Promise<FakeLabelStudio> {
  const projects = new Map<number, { id: number; title: string }>();
  const stores = { import: new Map<number, StoredStorage>(), export: new Map<number, StoredStorage>() };
  const accessTokens = new Map<string, number>();
  const afterWrites: Array<{ match: RegExp; effect: AfterWrite }> = [];
  let nextProject = 1;
  // Import and export storages are separate tables, each with its own id sequence.
  const nextStorage = { import: 1, export: 1 };

  function authenticate(req: RecordedRequest): FakeResponse | undefined {
    const header = String(req.headers.authorization ?? "");
    const [scheme, token] = header.split(" ");
    if (scheme === "Token" && options.legacyToken && token === options.legacyToken) return undefined;
    if (scheme === "Bearer" && (accessTokens.get(token) ?? 0) > Date.now()) return undefined;
    if (!header) return envelope(401, "Authentication credentials were not provided.");
    return scheme === "Bearer" ? envelope(401, "Given token not valid for any token type") : envelope(401, "Invalid token.");
  }

  function representation(s: StoredStorage): Record<string, unknown> {
    const visible = Object.fromEntries(Object.entries(s.fields).filter(([k]) => !SECURE_FIELDS.includes(k)));
    return { id: s.id, type: "s3", project: s.project, synchronizable: true, ...visible };
  }

  function defaults(direction: "import" | "export"): Record<string, unknown> {
    const common = {
      title: null, description: null, bucket: null, prefix: null, regex_filter: null, use_blob_urls: false,
      aws_access_key_id: null, aws_secret_access_key: null, aws_session_token: null, aws_sse_kms_key_id: null,
      region_name: null, s3_endpoint: null, created_at: new Date().toISOString(), last_sync: null, last_sync_count: null,
      last_sync_job: null, status: "initialized", traceback: null, meta: {},
    };
    return direction === "import" ? { ...common, presign: true, presign_ttl: 1, recursive_scan: false } : { ...common, can_delete_objects: false };
  }

  // One client per key pair, region and endpoint, like a long-lived boto3 session.
  const s3Clients = new Map<string, S3Lite>();
  function s3For(fields: Record<string, unknown>): S3Lite {
    const accessKeyId = fields.aws_access_key_id as string | null;
    const secretAccessKey = fields.aws_secret_access_key as string | null;
    const region = (fields.region_name as string) || "us-east-1";
    const endpoint = (fields.s3_endpoint as string) || undefined;
    const key = JSON.stringify([accessKeyId, secretAccessKey, region, endpoint]);
    let client = s3Clients.get(key);
    if (!client) {
      client = s3Lite({
        region,
        endpoint,
        // No keys: an anonymous request, which s3rver answers like S3 does for a private bucket.
        credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : { accessKeyId: "anonymous", secretAccessKey: "anonymous" },
      });
      s3Clients.set(key, client);
    }
    return client;
  }

  /** `S3StorageMixin.validate_connection` as the serializer reports it. */
  async function validateConnection(direction: "import" | "export", fields: Record<string, unknown>): Promise<string | undefined> {
    const bucket = fields.bucket as string;
    const prefix = fields.prefix as string | null;
    const s3 = s3For(fields);
    try {
      if (prefix) {
        const result = await s3.listObjectsV2({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 });
        // An import prefix must hold an object; an export prefix is only listed (Label Studio 1.9+).
        const mustExist = direction === "import" || options.exportPrefixMustExist;
        if (mustExist && !result.KeyCount) return `s3://${bucket}/${prefix} not found.`;
      } else {
        await s3.headBucket(bucket);
      }
      return undefined;
    } catch (err) {
      if (!isS3LiteError(err)) throw err;
      if (err.status === 403 || err.code === "InvalidAccessKeyId" || err.code === "SignatureDoesNotMatch") return `Cannot connect to S3 ${bucket} with specified AWS credentials`;
      if (err.status === 404 || err.code === "NoSuchBucket") return `Cannot find bucket ${bucket} in S3`;
      throw err;
    }
  }

  async function validateStorage(direction: "import" | "export", merged: Record<string, unknown>, body: Record<string, unknown>): Promise<FakeResponse | undefined> {
    const supplied = SECURE_FIELDS.filter((f) => f in body);
    if (supplied.length === 1) {
      const missing = SECURE_FIELDS.find((f) => !supplied.includes(f))!;
      return validation({ [missing]: ["Access Key ID and Secret Access Key must be provided together."] });
    }
    if (!merged.bucket) return undefined;
    const problem = await validateConnection(direction, merged);
    return problem ? validation({ non_field_errors: [problem] }) : undefined;
  }

  /** Import sync: `iterkeys` + one task per new key (ImportStorageLink dedupes by key). */
  async function sync(s: StoredStorage): Promise<void> {
    const f = s.fields;
    const prefix = f.prefix as string | null;
    const listed = await s3For(f).listObjectsV2({
      Bucket: f.bucket as string,
      ...(prefix ? { Prefix: `${prefix.replace(/\/+$/, "")}/`, ...(f.recursive_scan ? {} : { Delimiter: "/" }) } : {}),
    });
    const filter = f.regex_filter ? reMatcher(f.regex_filter as string) : undefined;
    let added = 0;
    for (const { Key: key } of listed.Contents) {
      if (!key || key.endsWith("/")) continue;
      if (filter && !filter(key)) continue;
      if (!s.tasks.has(key)) added++;
      s.tasks.add(key);
    }
    Object.assign(f, { last_sync: new Date().toISOString(), last_sync_count: added, status: "completed" });
  }

  /** The JSON object body, or undefined when it is not one (DRF: 400 parse error). */
  function jsonObject(req: RecordedRequest): Record<string, unknown> | undefined {
    if (req.body === "") return {};
    if (typeof req.body !== "object" || req.body === null || Array.isArray(req.body)) return undefined;
    return req.body as Record<string, unknown>;
  }

  async function storageCollection(direction: "import" | "export", req: RecordedRequest): Promise<FakeResponse> {
    const store = stores[direction];
    if (req.method === "GET") {
      const project = Number(req.query.get("project"));
      if (!projects.has(project)) return envelope(404, "Not found.");
      return { status: 200, body: [...store.values()].filter((s) => s.project === project).map((s) => representation(s)) };
    }
    if (req.method !== "POST") return envelope(405, `Method "${req.method}" not allowed.`);
    const input = jsonObject(req);
    if (!input) return envelope(400, "JSON parse error");
    if (input.project === undefined) return validation({ project: ["This field is required."] });
    if (!projects.has(Number(input.project))) return validation({ project: [`Invalid pk "${String(input.project)}" - object does not exist.`] });
    const allowed = direction === "import" ? IMPORT_FIELDS : EXPORT_FIELDS;
    const fields = { ...defaults(direction), ...Object.fromEntries(Object.entries(input).filter(([k]) => allowed.includes(k))) };
    const invalid = await validateStorage(direction, fields, input);
    if (invalid) return invalid;
    const storage: StoredStorage = { id: nextStorage[direction]++, project: Number(input.project), fields, tasks: new Set() };
    store.set(storage.id, storage);
    // ExportStorageListAPI.perform_create syncs right away (SYNC_ON_TARGET_STORAGE_CREATION).
    if (direction === "export") Object.assign(fields, { last_sync: new Date().toISOString(), last_sync_count: 0, status: "completed" });
    return { status: 201, body: representation(storage) };
  }

  async function storageItem(direction: "import" | "export", id: number, action: string | undefined, req: RecordedRequest): Promise<FakeResponse> {
    const storage = stores[direction].get(id);
    if (action === "sync") {
      if (req.method !== "POST") return envelope(405, `Method "${req.method}" not allowed.`);
      if (!storage) return envelope(404, "Not found.");
      const problem = await validateConnection(direction, storage.fields);
      // validate_connection raises KeyError here, outside the serializer: an unhandled 500.
      if (problem) return envelope(500, problem);
      if (direction === "import") await sync(storage);
      return { status: 200, body: representation(storage) };
    }
    if (!storage) return envelope(404, "Not found.");
    if (req.method === "GET") return { status: 200, body: representation(storage) };
    if (req.method === "DELETE") {
      stores[direction].delete(id);
      return { status: 204 };
    }
    if (req.method !== "PATCH") return envelope(405, `Method "${req.method}" not allowed.`);
    const input = jsonObject(req);
    if (!input) return envelope(400, "JSON parse error");
    const allowed = direction === "import" ? IMPORT_FIELDS : EXPORT_FIELDS;
    const changes = Object.fromEntries(Object.entries(input).filter(([k]) => allowed.includes(k)));
    const merged = { ...storage.fields, ...changes };
    // The serializer validates the connection only when `bucket` is in the request.
    if ("bucket" in input) {
      const invalid = await validateStorage(direction, merged, input);
      if (invalid) return invalid;
    }
    storage.fields = merged;
    return { status: 200, body: representation(storage) };
  }

  async function route(req: RecordedRequest): Promise<FakeResponse> {
    if (req.path === REFRESH_PATH) {
      if (req.method !== "POST") return envelope(405, `Method "${req.method}" not allowed.`);
      const refresh = (req.body as { refresh?: string } | undefined)?.refresh;
      if (!options.pat || refresh !== options.pat) return { status: 401, body: { detail: "Token is invalid or expired", code: "token_not_valid" } };
      const access = makeJwt({ token_type: "access", jti: randomUUID() });
      accessTokens.set(access, Date.now() + (options.accessTtlMs ?? 300_000));
      return { status: 200, body: { access } };
    }
    const unauthorized = authenticate(req);
    let m: RegExpMatchArray | null;
    if (req.path === "/api/projects/") {
      if (unauthorized) return unauthorized;
      if (req.method !== "GET") return envelope(405, `Method "${req.method}" not allowed.`);
      const pageSize = Number(req.query.get("page_size") ?? 30);
      const page = Number(req.query.get("page") ?? 1);
      // ProjectListAPI.ordering = ['-created_at']: newest first (projects/api.py).
      const all = [...projects.values()].sort((a, b) => b.id - a.id);
      const pages = Math.max(1, Math.ceil(all.length / pageSize));
      if (!Number.isInteger(page) || page < 1 || page > pages) return envelope(404, "Invalid page.");
      const link = (p: number) => `http://internal-host/api/projects/?page=${p}&page_size=${pageSize}`;
      return {
        status: 200,
        body: {
          count: all.length,
          next: page < pages ? link(page + 1) : null,
          previous: page > 1 ? link(page - 1) : null,
          results: all.slice((page - 1) * pageSize, page * pageSize).map((p) => ({ ...p, description: "", task_number: 0 })),
        },
      };
    }
    if ((m = req.path.match(/^\/api\/projects\/(\d+)\/$/))) {
      if (unauthorized) return unauthorized;
      const project = projects.get(Number(m[1]));
      return project ? { status: 200, body: { ...project, description: "" } } : envelope(404, "Not found.");
    }
    const direction = req.path === "/api/storages/s3/" || /^\/api\/storages\/s3\/\d+(\/sync)?$/.test(req.path) ? "import" : /^\/api\/storages\/export\/s3(\/\d+(\/sync)?)?$/.test(req.path) ? "export" : undefined;
    if (!direction) return djangoNotFound();
    if (unauthorized) return unauthorized;
    if (req.path === "/api/storages/s3/" || req.path === "/api/storages/export/s3") return storageCollection(direction, req);
    m = req.path.match(/\/(\d+)(?:\/(sync))?$/)!;
    return storageItem(direction, Number(m[1]), m[2], req);
  }

  const server = await startFakeServer(async (req) => {
    const started = performance.now();
    const response = await route(req);
    options.onProcessed?.(summaryKey(req), performance.now() - started);
    const isWrite = req.method !== "GET" && response.status < 400;
    const index = isWrite ? afterWrites.findIndex((a) => a.match.test(`${req.method} ${req.path}`)) : -1;
    if (index < 0) return response;
    const [{ effect }] = afterWrites.splice(index, 1);
    if (effect.kind === "status") return envelope(effect.status, "Server Error (500)");
    await new Promise((resolve) => setTimeout(resolve, effect.ms));
    return response;
  });

  return {
    url: server.url,
    server,
    addProject(title) {
      const project = { id: nextProject++, title };
      projects.set(project.id, project);
      return project;
    },
    renameProject(id, title) {
      projects.get(id)!.title = title;
    },
    deleteProject(id) {
      projects.delete(id);
      for (const store of Object.values(stores)) for (const [sid, s] of store) if (s.project === id) store.delete(sid);
    },
    storages(direction, project) {
      return [...stores[direction].values()].filter((s) => project === undefined || s.project === project);
    },
    afterWrite(match, effect) {
      afterWrites.push({ match, effect });
    },
    requestSummary() {
      const summary: Record<string, number> = {};
      for (const r of server.requests) {
        const key = summaryKey(r);
        summary[key] = (summary[key] ?? 0) + 1;
      }
      return summary;
    },
    close: async () => {
      for (const client of s3Clients.values()) client.destroy();
      await server.close();
    },
  };
}
