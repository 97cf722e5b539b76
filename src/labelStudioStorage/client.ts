import type * as Http from "node:http";
import type pLimitModule = require("p-limit");
import { TOKEN_REFRESH_PATH, TokenAuth } from "./auth";
import { ambiguousWriteError, isLabelStudioApiError, isNetworkError, labelStudioApiError, networkError, verdictOf } from "./errors";
import { redactSecrets } from "../redact";
import { attemptTimeoutMs, retrying, retryOptions, type RetryOptions } from "../http/retry";
import { parseRetryAfter } from "../http/retryAfter";
import { httpRequest, type HttpMethod, type HttpNetworkFailure } from "../http/dispatcher";
import type { Direction, LsStorage, Project } from "./types";

export interface LabelStudioClientOptions {
  /** Base URL, e.g. https://label.example.com */
  url: string;
  /** Legacy token or personal access token; the kind is detected. */
  token: string;
  /** Other values that must never appear in an error message (the S3 keys we send). */
  secrets?: readonly string[];
  /** Per attempt; listing and writes. Never beyond what is left of the retry budget. */
  timeoutMs?: number;
  /** Sync, and creating an export storage (which syncs), run inside the request without Redis. */
  syncTimeoutMs?: number;
  /** Over DEFAULT_RETRY_OPTIONS: the time budget per request, the run's deadline, progress. */
  retry?: Partial<RetryOptions>;
}


/**
 * Exact routes (Label Studio sets APPEND_SLASH = False: a wrong slash is a 404). Import and
 * export differ only here.
 */
const STORAGE_ROUTES: Record<Direction, string> = {
  import: "/api/storages/s3",
  export: "/api/storages/export/s3",
};
const collectionPath = (direction: Direction) => (direction === "import" ? `${STORAGE_ROUTES.import}/` : STORAGE_ROUTES.export);
const itemPath = (direction: Direction, id: number) => `${STORAGE_ROUTES[direction]}/${id}`;

const PROJECT_PAGE_SIZE = 100;

interface RequestOptions {
  query?: Record<string, string | number>;
  body?: unknown;
  /** A long request's own timeout (sync): not cut to the retry budget. */
  timeoutMs?: number;
  /** A create is not: its retries are limited to answers that prove nothing happened (429). */
  idempotent?: boolean;
  /** Named in progress lines: "project 3008". */
  scope?: string;
}

interface RawResponse {
  status: number;
  statusText: string;
  retryAfter: string | null;
  text: string;
}

interface Page<T> {
  count: number;
  next: string | null;
  results: T[];
}

/** Typed Label Studio REST client: both token kinds, timeouts, retries, request counting. */
export class LabelStudioClient {
  /** HTTP requests sent, retries and token exchanges included. */
  requestCount = 0;
  /** scheme://host[:port], and the path Label Studio is served under ("" at the root). */
  private readonly origin: string;
  private readonly basePath: string;
  private readonly auth: TokenAuth;
  private readonly secrets: string[];
  private readonly timeoutMs: number;
  private readonly syncTimeoutMs: number;
  /** Also used by reconcile for re-reading after a create whose outcome is unknown. */
  readonly retry: RetryOptions;

  constructor(options: LabelStudioClientOptions) {
    const base = new URL(options.url);
    this.origin = base.origin;
    this.basePath = base.pathname.replace(/\/+$/, "");
    this.secrets = [options.token, ...(options.secrets ?? [])];
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.syncTimeoutMs = options.syncTimeoutMs ?? 15 * 60_000;
    this.retry = retryOptions(options.retry);
    this.auth = new TokenAuth(options.token, (pat) => this.exchange(pat));
  }

  /**
   * Every project, page by page, each page's projects handed to `onPage` as it arrives, so a
   * caller can start on them while the next pages load. Page 1's `count` tells how many pages
   * follow; those are requested at once, each through `schedule` (the caller's limit on
   * requests in flight). Page numbers, not `next`: Django builds `next` from the Host it saw,
   * wrong behind a proxy. Projects created or deleted meanwhile shift the pages, as they would
   * one by one: a project may come on two pages (keep the first), a page gone past the end
   * ("Invalid page.", 404) is empty, and pages go on while the last one fetched still has a
   * `next`.
   */
  async forEachProjectPage(schedule: <T>(task: () => Promise<T>) => Promise<T>, onPage: (projects: Project[]) => void): Promise<void> {
    // After a page fails no later page is requested or handed on, and the failure is thrown
    // once the pages already under way are done: nothing is left running behind the caller.
    let failed = false;
    const page = async (number: number): Promise<Page<Project> | undefined> => {
      let body: Page<Project> | undefined;
      try {
        body = await schedule(async () => (failed ? undefined : this.request<Page<Project>>("GET", "/api/projects/", { query: { page: number, page_size: PROJECT_PAGE_SIZE } })));
      } catch (err) {
        if (number > 1 && isLabelStudioApiError(err) && err.status === 404) return undefined;
        failed = true;
        throw err;
      }
      if (body && !failed) onPage(body.results.map(({ id, title }) => ({ id, title })));
      return body;
    };
    let last = await page(1);
    let fetched = 1;
    const expected = Math.ceil((last?.count ?? 0) / PROJECT_PAGE_SIZE);
    while (last?.next && last.results.length > 0) {
      const numbers = Array.from({ length: Math.max(1, expected - fetched) }, (_, i) => fetched + 1 + i);
      const batch = await Promise.allSettled(numbers.map(page));
      const rejected = batch.find((result) => result.status === "rejected");
      if (rejected) throw rejected.reason;
      fetched += numbers.length;
      const final = batch[batch.length - 1];
      last = final.status === "fulfilled" ? final.value : undefined;
    }
  }

  /** Every project by id (see forEachProjectPage), with at most `parallel` pages requested at a time. */
  async listProjects(parallel = 8): Promise<Project[]> {
    const pLimit = require("p-limit") as typeof pLimitModule;
    const projects = new Map<number, Project>();
    await this.forEachProjectPage(pLimit(parallel), (page) => {
      for (const project of page) if (!projects.has(project.id)) projects.set(project.id, project);
    });
    return [...projects.values()].sort((a, b) => a.id - b.id);
  }

  async getProject(id: number): Promise<Project> {
    const { title } = await this.request<Project>("GET", `/api/projects/${id}/`);
    return { id, title };
  }

  listStorages(direction: Direction, project: number): Promise<LsStorage[]> {
    return this.request<LsStorage[]>("GET", collectionPath(direction), { query: { project }, scope: `project ${project}` });
  }

  createStorage(direction: Direction, body: Record<string, unknown>): Promise<LsStorage> {
    const long = direction === "export" ? { timeoutMs: this.syncTimeoutMs } : {};
    return this.request<LsStorage>("POST", collectionPath(direction), { body, idempotent: false, scope: `project ${String(body.project)}`, ...long });
  }

  /** `project` only names it in progress lines. */
  updateStorage(direction: Direction, id: number, body: Record<string, unknown>, project?: number): Promise<LsStorage> {
    return this.request<LsStorage>("PATCH", itemPath(direction, id), { body, ...scopeOf(project) });
  }

  syncStorage(direction: Direction, id: number, project?: number): Promise<LsStorage> {
    return this.request<LsStorage>("POST", `${itemPath(direction, id)}/sync`, { timeoutMs: this.syncTimeoutMs, ...scopeOf(project) });
  }

  /**
   * Retried within the time budget: freely when idempotent; a create only on 429, which proves
   * nothing happened — any other failure may hide a storage that was created, so it becomes an
   * AmbiguousWriteError for the caller to look before posting again.
   */
  private request<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    const idempotent = options.idempotent ?? true;
    return retrying(
      "Label Studio",
      `${method} ${path}`,
      async ({ remainingMs }) => {
        const timeoutMs = options.timeoutMs ?? attemptTimeoutMs(this.timeoutMs, remainingMs);
        try {
          return await this.attempt<T>(method, path, { ...options, timeoutMs });
        } catch (err) {
          if (!idempotent && (isNetworkError(err) || (isLabelStudioApiError(err) && err.status >= 500))) throw ambiguousWriteError(err);
          throw err;
        }
      },
      (err) => {
        const verdict = verdictOf(err);
        return idempotent ? verdict : { ...verdict, retry: isLabelStudioApiError(err) && err.status === 429 };
      },
      options.scope ? { ...this.retry, scope: options.scope } : this.retry,
    );
  }

  private async attempt<T>(method: HttpMethod, path: string, options: RequestOptions): Promise<T> {
    const header = await this.auth.header();
    let res = await this.send(method, path, options, header);
    if (res.status === 401 && (await this.auth.renew(header))) {
      res = await this.send(method, path, options, await this.auth.header());
    }
    return this.parse<T>(method, path, res);
  }

  /** PAT → access token. Counted and retried like any request; a 401 here is final. */
  private exchange(pat: string): Promise<string> {
    return retrying(
      "Label Studio",
      `POST ${TOKEN_REFRESH_PATH}`,
      async () => {
        const res = await this.send("POST", TOKEN_REFRESH_PATH, { body: { refresh: pat } });
        const { access } = this.parse<{ access?: string }>("POST", TOKEN_REFRESH_PATH, res);
        if (!access) throw labelStudioApiError(`Label Studio returned no access token from ${TOKEN_REFRESH_PATH}`, 401, "no access token", {});
        this.secrets.push(access);
        return access;
      },
      verdictOf,
      this.retry,
    );
  }

  private async send(method: HttpMethod, path: string, options: RequestOptions, authorization?: string): Promise<RawResponse> {
    const query = options.query ? `?${new URLSearchParams(Object.entries(options.query).map(([key, value]): [string, string] => [key, String(value)])).toString()}` : "";
    const headers: Record<string, string> = { accept: "application/json" };
    if (authorization) headers.authorization = authorization;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const { STATUS_CODES } = require("node:http") as typeof Http;
    this.requestCount++;
    try {
      // undici's request, not fetch (see ../http/dispatcher.ts): fetch's WHATWG streams and
      // objects cost ~1 ms per request, which at hundreds of projects is the client's largest cost.
      const answer = await httpRequest({
        origin: this.origin,
        path: this.basePath + path + query,
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        timeoutMs,
      });
      return { ...answer, statusText: STATUS_CODES[answer.status] ?? "" };
    } catch (err) {
      const { reason } = err as HttpNetworkFailure;
      throw networkError(this.clean(`Label Studio ${method} ${path}: ${reason}`), this.clean(reason));
    }
  }

  private parse<T>(method: HttpMethod, path: string, res: RawResponse): T {
    if (res.status >= 200 && res.status < 300) return (res.text ? JSON.parse(res.text) : undefined) as T;
    const { detail, fieldErrors } = describeErrorBody(res.text, res.statusText);
    const fields = Object.entries(fieldErrors).map(([field, messages]) => `${field}: ${messages.join(" ")}`);
    const message = this.clean(`Label Studio answered ${res.status} to ${method} ${path}: ${detail}${fields.length ? ` (${fields.join("; ")})` : ""}`);
    const cleanFields = Object.fromEntries(Object.entries(fieldErrors).map(([f, ms]) => [f, ms.map((m) => this.clean(m))]));
    if (res.status === 401 || res.status === 403) {
      const hint =
        this.auth.kind === "legacy"
          ? " — check the token; a legacy token also needs legacy tokens enabled (Organization → Access Token Settings)"
          : " — check the personal access token (it may be revoked or expired)";
      throw labelStudioApiError(message + hint, res.status, this.clean(detail), cleanFields);
    }
    throw labelStudioApiError(message, res.status, this.clean(detail), cleanFields, parseRetryAfter(res.retryAfter));
  }

  private clean(text: string): string {
    return redactSecrets(text, this.secrets);
  }
}

const scopeOf = (project: number | undefined) => (project === undefined ? {} : { scope: `project ${project}` });

/**
 * Label Studio's error envelope `{id, status_code, version, detail, exc_info, validation_errors}`;
 * also `{message}` (sync of an unsynchronizable storage) and Django's HTML 404 for unknown routes.
 */
function describeErrorBody(text: string, statusText: string): { detail: string; fieldErrors: Record<string, string[]> } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { detail: statusText || "non-JSON error", fieldErrors: {} };
  }
  if (typeof body !== "object" || body === null) return { detail: String(body), fieldErrors: {} };
  const record = body as Record<string, unknown>;
  const detail = typeof record.detail === "string" ? record.detail : typeof record.message === "string" ? record.message : statusText;
  const raw = record.validation_errors;
  const fieldErrors: Record<string, string[]> = {};
  if (Array.isArray(raw)) fieldErrors.non_field_errors = raw.map(String);
  else if (raw && typeof raw === "object") {
    for (const [field, messages] of Object.entries(raw)) {
      fieldErrors[field] = Array.isArray(messages) ? messages.map((m) => (typeof m === "string" ? m : JSON.stringify(m))) : [typeof messages === "string" ? messages : JSON.stringify(messages)];
    }
  }
  return { detail, fieldErrors };
}
