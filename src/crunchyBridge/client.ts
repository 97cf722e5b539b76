import type pRetryTypes = require("p-retry");
import { parseRetryAfter } from "../http/retryAfter";
import { hasName, tagged } from "../taggedError";

export const DEFAULT_API_URL = "https://api.crunchybridge.com";
/** Where the CLI (and, failing stack config, the provider) finds the API key. */
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
  /** Per-attempt timeout; a timed-out attempt is retried. */
  timeoutMs?: number;
  /** Retries after the first attempt, for 429, 5xx, timeouts and connection failures. */
  retries?: number;
  /** First backoff delay; doubles per retry. */
  minBackoffMs?: number;
  /** A 429 asking to wait longer than this fails instead of stalling a deployment. */
  maxRetryAfterMs?: number;
}

/** An API or transport failure. Carries the API's `message` and `request_id` when there is one. */
export interface CrunchyBridgeError extends Error {
  name: "CrunchyBridgeError";
  status?: number;
  requestId?: string;
  /** Worth another attempt (429, 5xx, timeout, connection failure). */
  transient: boolean;
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

/**
 * Typed client for the network firewall-rule endpoints. Everything it needs is created inside
 * this function, so each provider operation gets a client with the key it was configured with.
 */
export function createClient(options: ClientOptions): CrunchyBridgeClient {
  const pRetry = require("p-retry") as typeof pRetryTypes;
  const { randomUUID } = require("node:crypto") as typeof import("node:crypto");
  const base = (options.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  const apiKey = options.apiKey;
  if (!apiKey) throw crunchyBridgeError("CrunchyBridge API key is empty");
  const redact = (text: string) => text.split(apiKey).join("[redacted]");
  const rules = (networkId: string) => `/networks/${encodeURIComponent(networkId)}/firewall-rules`;

  async function attempt(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; json: unknown }> {
    let response: Response;
    try {
      response = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      // fetch rejects with TypeError("fetch failed"), which p-retry would not retry: rewrap.
      const timedOut = err instanceof Error && err.name === "TimeoutError";
      const cause = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      throw crunchyBridgeError(redact(`${method} ${path}: ${timedOut ? `no response within ${timeoutMs} ms` : `connection failed (${cause})`}`), { transient: true });
    }
    const text = await response.text().catch(() => "");
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
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
      retryAfterMs: status === 429 ? parseRetryAfter(response.headers.get("retry-after")) : undefined,
    });
  }

  async function request(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
    let attempts = 0;
    try {
      return await pRetry(
        async () => {
          attempts++;
          try {
            return await attempt(method, path, body, extraHeaders);
          } catch (err) {
            if (isCrunchyBridgeError(err) && !err.transient) throw new pRetry.AbortError(err);
            throw err;
          }
        },
        {
          retries: options.retries ?? 4,
          minTimeout: options.minBackoffMs ?? 500,
          factor: 2,
          onFailedAttempt: async (err) => {
            const wait = isCrunchyBridgeError(err) ? err.retryAfterMs : undefined;
            if (wait === undefined || err.retriesLeft === 0) return;
            if (wait > maxRetryAfterMs) {
              err.message += ` (Retry-After ${Math.ceil(wait / 1000)} s is longer than this client waits)`;
              throw err;
            }
            // Honour Retry-After; p-retry's own backoff follows on top of it.
            await new Promise((resolve) => setTimeout(resolve, wait));
          },
        },
      );
    } catch (err) {
      if (isCrunchyBridgeError(err) && err.transient) err.message += ` (gave up after ${attempts} attempt${attempts === 1 ? "" : "s"})`;
      throw err;
    }
  }

  function asRule(value: unknown, what: string): FirewallRule {
    const r = value as Partial<FirewallRule> | undefined;
    if (!r || typeof r.id !== "string" || typeof r.rule !== "string") throw crunchyBridgeError(`${what}: unexpected response shape`);
    return { id: r.id, rule: r.rule, description: typeof r.description === "string" ? r.description : null };
  }

  return {
    async listFirewallRules(networkId) {
      const found: FirewallRule[] = [];
      let cursor: string | undefined;
      // The documented response has no cursor fields; follow next_cursor if the API ever adds them.
      do {
        const path = rules(networkId) + (cursor ? `?cursor=${encodeURIComponent(cursor)}` : "");
        const { json } = await request("GET", path);
        const page = json as { firewall_rules?: unknown; has_more?: unknown; next_cursor?: unknown } | undefined;
        if (!page || !Array.isArray(page.firewall_rules)) throw crunchyBridgeError(`GET ${path}: unexpected response shape`);
        found.push(...page.firewall_rules.map((r) => asRule(r, `GET ${path}`)));
        const next = typeof page.next_cursor === "string" && page.next_cursor && page.has_more !== false ? page.next_cursor : undefined;
        if (next === cursor) break;
        cursor = next;
      } while (cursor);
      return found;
    },
    async createFirewallRule(networkId, rule, description) {
      // One Idempotency-Key for every retry of this create: a retried POST whose first attempt
      // did reach the API gets the original rule back instead of a second one.
      const { json } = await request("POST", rules(networkId), { rule, description }, { "idempotency-key": randomUUID() });
      return asRule(json, `POST ${rules(networkId)}`);
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
