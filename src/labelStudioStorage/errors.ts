import type { Verdict } from "../http/retry";
import { hasName, tagged } from "../taggedError";

export interface LabelStudioApiError extends Error {
  name: "LabelStudioApiError" | "LabelStudioAuthError";
  status: number;
  detail: string;
  fieldErrors: Readonly<Record<string, readonly string[]>>;
  /** `Retry-After` (seconds or date) in milliseconds, for 429/503. */
  retryAfterMs?: number;
}

/** No answer: connection refused/reset or timeout. */
export interface NetworkError extends Error {
  name: "NetworkError";
  /** The error code or "no answer within N ms", for progress lines. */
  reason: string;
}

/**
 * A create whose outcome is unknown (timeout, reset, 5xx after the request reached the
 * server): the storage may exist now, so the caller must list again instead of re-posting.
 */
export interface AmbiguousWriteError extends Error {
  name: "AmbiguousWriteError";
  cause: Error;
}

/** Label Studio answered with an error status; 401/403 become auth errors. */
export function labelStudioApiError(message: string, status: number, detail: string, fieldErrors: Record<string, string[]>, retryAfterMs?: number): LabelStudioApiError {
  const name = status === 401 || status === 403 ? "LabelStudioAuthError" : "LabelStudioApiError";
  return tagged<LabelStudioApiError>(name, message, { status, detail, fieldErrors, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
}
export const isLabelStudioApiError = (err: unknown): err is LabelStudioApiError => hasName<LabelStudioApiError>(err, "LabelStudioApiError", "LabelStudioAuthError");
/** Retrying cannot help, and every other project would fail the same way. */
export const isAuthError = (err: unknown): err is LabelStudioApiError => hasName<LabelStudioApiError>(err, "LabelStudioAuthError");

export const networkError = (message: string, reason: string) => tagged<NetworkError>("NetworkError", message, { reason });
export const isNetworkError = (err: unknown): err is NetworkError => hasName<NetworkError>(err, "NetworkError");

export const ambiguousWriteError = (cause: Error) => tagged<AmbiguousWriteError>("AmbiguousWriteError", cause.message, { cause });
export const isAmbiguousWriteError = (err: unknown): err is AmbiguousWriteError => hasName<AmbiguousWriteError>(err, "AmbiguousWriteError");

/** Worth another attempt: rate limited, server error or no answer. */
export function isTransient(err: unknown): boolean {
  if (isNetworkError(err) || isAmbiguousWriteError(err)) return true;
  return isLabelStudioApiError(err) && err.name === "LabelStudioApiError" && (err.status === 429 || err.status >= 500);
}

/** The retry module's reading of a Label Studio error; `retry` follows `isTransient`. */
export function verdictOf(err: unknown): Verdict {
  const cause = isAmbiguousWriteError(err) ? err.cause : err;
  const reason = isLabelStudioApiError(cause) ? String(cause.status) : isNetworkError(cause) ? cause.reason : cause instanceof Error ? cause.message : String(cause);
  const retryAfterMs = isLabelStudioApiError(cause) ? cause.retryAfterMs : undefined;
  return { retry: isTransient(err), reason, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}
