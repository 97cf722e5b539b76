import type * as Undici from "undici";
import { tagged } from "../taggedError";

/**
 * HTTP for the provisioner's Label Studio and S3 requests: undici's global dispatcher, so the
 * egress proxy installed by `useProxyAgent` applies to every request.
 *
 * Only the dispatcher half of undici is loaded. `require("undici")` also loads fetch, WebSocket,
 * EventSource, the cache and the mocks: half of its load time (about 65 of 130 ms measured),
 * all of it before `oceanid provision`'s first request. The paths are the ones undici's own
 * index.js requires, in the version package-lock.json pins; tests/http/dispatcher.test.ts
 * fails if an upgrade moves them.
 */
interface DispatcherApi extends Pick<typeof Undici, "getGlobalDispatcher" | "setGlobalDispatcher" | "EnvHttpProxyAgent"> {
  /** undici's `request`, called on a dispatcher: works on whichever one is global. */
  request: (this: Undici.Dispatcher, options: Undici.Dispatcher.RequestOptions) => Promise<Undici.Dispatcher.ResponseData>;
}
let loaded: DispatcherApi | undefined;

function undici(): DispatcherApi {
  return (loaded ??= load());
}

function load(): DispatcherApi {
  // What index.js does first: the API methods on every dispatcher. The proxy agent relies on
  // them (it opens its tunnel with the `connect` method of a Client).
  const api = require("undici/lib/api") as Pick<DispatcherApi, "request">;
  Object.assign((require("undici/lib/dispatcher/dispatcher") as typeof Undici.Dispatcher).prototype, api);
  return {
    ...(require("undici/lib/global") as Pick<typeof Undici, "getGlobalDispatcher" | "setGlobalDispatcher">),
    EnvHttpProxyAgent: require("undici/lib/dispatcher/env-http-proxy-agent") as typeof Undici.EnvHttpProxyAgent,
    request: api.request,
  };
}

/** Sends every later request through the proxy HTTP_PROXY/HTTPS_PROXY name, honouring NO_PROXY. */
export function useProxyAgent(): void {
  const { EnvHttpProxyAgent, setGlobalDispatcher } = undici();
  setGlobalDispatcher(new EnvHttpProxyAgent());
}

export type HttpMethod = Undici.Dispatcher.HttpMethod;

export interface HttpRequest {
  /** scheme://host[:port] */
  origin: string;
  /** Path and query, already encoded: sent as given. */
  path: string;
  method: HttpMethod;
  headers: Record<string, string>;
  body?: string;
  /** For the whole answer, body included. */
  timeoutMs: number;
}

export interface HttpAnswer {
  status: number;
  retryAfter: string | null;
  text: string;
}

/** No answer: `reason` is "no answer within N ms" or the network error's code. */
export interface HttpNetworkFailure extends Error {
  name: "HttpNetworkFailure";
  reason: string;
}

/** One request, its body read whole, so that a reset mid-body fails like any network error. */
export async function httpRequest({ origin, path, method, headers, body, timeoutMs }: HttpRequest): Promise<HttpAnswer> {
  // A timer cleared on the answer (AbortSignal.timeout's stays armed for the whole timeout).
  // Not undici's headersTimeout/bodyTimeout: they tick about once a second, too coarse for a
  // retry budget's last, short attempts.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const { getGlobalDispatcher, request } = undici();
    const res = await request.call(getGlobalDispatcher(), { origin, path, method, headers, body, signal: controller.signal });
    const retryAfter = res.headers["retry-after"];
    const text = await res.body.text();
    return { status: res.statusCode, retryAfter: (Array.isArray(retryAfter) ? retryAfter[0] : retryAfter) ?? null, text };
  } catch (err) {
    const reason = controller.signal.aborted ? `no answer within ${timeoutMs} ms` : networkErrorCode(err);
    throw tagged<HttpNetworkFailure>("HttpNetworkFailure", reason, { reason });
  } finally {
    clearTimeout(timer);
  }
}

/** The error code (ECONNREFUSED, UND_ERR_SOCKET, ...), of the error or of its cause. */
function networkErrorCode(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const { code } = err as { code?: string };
  const cause = err.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? code ?? cause?.message ?? err.message;
}
