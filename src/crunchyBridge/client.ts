import { attemptTimeoutMs, retrying, retryOptions, type RetryOptions, type Verdict } from "../http/retry";
import { parseRetryAfter } from "../http/retryAfter";
import { redactSecrets } from "../redact";
import { hasName, tagged } from "../taggedError";

// Stryker disable next-line StringLiteral: no test can reach the real API; the URL is the documented one (API-FACTS, verified).
export const DEFAULT_API_URL = "https://api.crunchybridge.com";
/** Where the CLI (and, failing stack config, the provider) finds the API key. */
// Stryker disable next-line StringLiteral: read by the CLI and the serialized provider, whose tests (command, provider) name it but run where Stryker cannot switch a mutant on.
export const API_KEY_ENV = "CRUNCHY_BRIDGE_API_KEY";

/** A firewall rule as the API returns it (`rule` is the CIDR). */
export interface FirewallRule {
  id: string;
  rule: string;
  description: string | null;
}

export interface ClientOptions {
  /** Bearer secret (`cbkey_...` or an access token). Never logged; redacted from every error. */
  apiKey: string;
  apiUrl?: string;
  /** Per-attempt timeout (never beyond what is left of the retry budget); a timed-out attempt is retried. */
  timeoutMs?: number;
  /** Over DEFAULT_RETRY_OPTIONS: the time budget per request, backoff, Retry-After cap, progress. */
  retry?: Partial<RetryOptions>;
}

/** An API or transport failure. Carries the API's `message` and `request_id` when there is one. */
export interface CrunchyBridgeError extends Error {
  name: "CrunchyBridgeError";
  status?: number;
  requestId?: string;
  /** Worth another attempt (429, 5xx, timeout, connection failure). */
  transient: boolean;
  /** No answer ("ECONNRESET", "no response"): the request may have reached the API. */
  noAnswer?: string;
  /** Wait at least this long before retrying (from `Retry-After`). */
  retryAfterMs?: number;
}

export function crunchyBridgeError(message: string, fields: Omit<Partial<CrunchyBridgeError>, "name" | "message"> = {}): CrunchyBridgeError {
  return tagged<CrunchyBridgeError>("CrunchyBridgeError", message, { transient: false, ...fields });
}

export function isCrunchyBridgeError(err: unknown): err is CrunchyBridgeError {
  return hasName<CrunchyBridgeError>(err, "CrunchyBridgeError");
}

export interface CrunchyBridgeClient {
  listFirewallRules(networkId: string): Promise<FirewallRule[]>;
  createFirewallRule(networkId: string, rule: string, description: string | null): Promise<FirewallRule>;
  updateFirewallRuleDescription(networkId: string, ruleId: string, description: string | null): Promise<FirewallRule>;
  /** Resolves "absent" when the rule was already gone (404 never existed, 410 deleted before). */
  deleteFirewallRule(networkId: string, ruleId: string): Promise<"deleted" | "absent">;
}

function verdictOf(err: unknown): Verdict {
  // An attempt throws only CrunchyBridgeErrors (fetch's own are rewrapped); anything else is a bug, never retried.
  const { status, noAnswer, message, transient, retryAfterMs } = err as Partial<CrunchyBridgeError>;
  return { retry: transient === true, reason: status !== undefined ? String(status) : (noAnswer ?? String(message)), retryAfterMs };
}

/**
 * Typed client for the network firewall-rule endpoints. Everything it needs is created inside
 * this function, so each provider operation gets a client with the key it was configured with.
 */
export function createClient(options: ClientOptions): CrunchyBridgeClient {
  const { randomUUID } = require("node:crypto") as typeof import("node:crypto");
  const base = (options.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 15_000;
  const retry = retryOptions(options.retry);
  const apiKey = options.apiKey;
  if (!apiKey) throw crunchyBridgeError("CrunchyBridge API key is empty");
  const redact = (text: string) => redactSecrets(text, [apiKey]);
  const rules = (networkId: string) => `/networks/${encodeURIComponent(networkId)}/firewall-rules`;

  async function attempt(method: string, path: string, body: unknown, headers: Record<string, string>, remainingMs: number): Promise<{ status: number; json: unknown }> {
    const timeout = attemptTimeoutMs(timeoutMs, remainingMs);
    let response: Response;
    let text: string;
    try {
      response = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        // Stryker disable next-line ConditionalExpression: JSON.stringify(undefined) is undefined as well; the test states the intent.
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeout),
      });
      // Read here so a reset mid-body is a lost answer like any other.
      text = await response.text();
    } catch (err) {
      // fetch rejects with TypeError("fetch failed"): rewrap, with the cause.
      const timedOut = err instanceof Error && err.name === "TimeoutError";
      const cause = err instanceof Error ? ((err.cause as { code?: string; message?: string } | undefined)?.code ?? (err.cause as Error | undefined)?.message ?? err.message) : String(err);
      throw crunchyBridgeError(redact(`${method} ${path}: ${timedOut ? `no response within ${timeout} ms` : `connection failed (${cause})`}`), {
        transient: true,
        noAnswer: timedOut ? "no response" : redact(cause),
      });
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a proxy's HTML error page): the text itself is reported below.
    }
    if (response.ok) return { status: response.status, json };
    const payload = (json ?? {}) as { message?: unknown; request_id?: unknown };
    const apiMessage = typeof payload.message === "string" ? payload.message : text.slice(0, 200) || response.statusText;
    const requestId = typeof payload.request_id === "string" ? payload.request_id : (response.headers.get("x-request-id") ?? undefined);
    const status = response.status;
    throw crunchyBridgeError(redact(`${method} ${path}: ${status} ${apiMessage}${requestId ? ` (request_id ${requestId})` : ""}`), {
      status,
      requestId,
      transient: status === 429 || status >= 500,
      // 429 and 503 may carry one (RFC 9110); on an answer that is not retried it is not used.
      retryAfterMs: parseRetryAfter(response.headers.get("retry-after")),
    });
  }

  async function request(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
    return retrying(
      "CrunchyBridge",
      `${method} ${path}`,
      ({ remainingMs }) => attempt(method, path, body, extraHeaders, remainingMs),
      verdictOf,
      retry,
    );
  }

  function asRule(value: unknown, what: string): FirewallRule {
    const r = value as Partial<FirewallRule> | undefined;
    if (!r || typeof r.id !== "string" || typeof r.rule !== "string") throw crunchyBridgeError(`${what}: unexpected response shape`);
    return { id: r.id, rule: r.rule, description: typeof r.description === "string" ? r.description : null };
  }

  async function listFirewallRules(networkId: string): Promise<FirewallRule[]> {
    const found: FirewallRule[] = [];
    let cursor: string | undefined;
    // The documented response has no cursor fields; follow next_cursor if the API ever adds them.
    do {
      const path = rules(networkId) + (cursor ? `?cursor=${encodeURIComponent(cursor)}` : "");
      const { json } = await request("GET", path);
      const page = json as { firewall_rules?: unknown; has_more?: unknown; next_cursor?: unknown } | undefined;
      if (!page || !Array.isArray(page.firewall_rules)) throw crunchyBridgeError(`GET ${path}: unexpected response shape`);
      found.push(...page.firewall_rules.map((r) => asRule(r, `GET ${path}`)));
      // An empty cursor ends the loop like a missing one.
      const next = typeof page.next_cursor === "string" && page.has_more !== false ? page.next_cursor : undefined;
      if (next === cursor) break;
      cursor = next;
    } while (cursor);
    return found;
  }

  return {
    listFirewallRules,
    async createFirewallRule(networkId, rule, description) {
      // A POST is sent again only after a listing shows the rule is not there: a 5xx or a lost
      // answer may hide a rule that was created. The same Idempotency-Key on every attempt
      // covers what a listing cannot (the first attempt landing after the listing).
      const path = rules(networkId);
      const idempotencyKey = randomUUID();
      let outcomeUnknown = false;
      return retrying(
        "CrunchyBridge",
        `POST ${path}`,
        async ({ remainingMs }) => {
          if (outcomeUnknown) {
            const existing = (await listFirewallRules(networkId)).find((r) => r.rule === rule);
            if (existing) return existing;
          }
          try {
            const { json } = await attempt("POST", path, { rule, description }, { "idempotency-key": idempotencyKey }, remainingMs);
            return asRule(json, `POST ${path}`);
          } catch (err) {
            if (isCrunchyBridgeError(err) && (err.noAnswer || (err.status ?? 0) >= 500)) outcomeUnknown = true;
            throw err;
          }
        },
        verdictOf,
        retry,
      );
    },
    async updateFirewallRuleDescription(networkId, ruleId, description) {
      const path = `${rules(networkId)}/${encodeURIComponent(ruleId)}`;
      const { json } = await request("PATCH", path, { description });
      return asRule(json, `PATCH ${path}`);
    },
    async deleteFirewallRule(networkId, ruleId) {
      try {
        await request("DELETE", `${rules(networkId)}/${encodeURIComponent(ruleId)}`);
        return "deleted";
      } catch (err) {
        if (isCrunchyBridgeError(err) && (err.status === 404 || err.status === 410)) return "absent";
        throw err;
      }
    },
  };
}
