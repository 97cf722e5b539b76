/** Label Studio answered with an error status; message carries `detail` and the field errors. */
export class LabelStudioApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly detail: string,
    readonly fieldErrors: Readonly<Record<string, readonly string[]>>,
    /** Seconds-or-date `Retry-After` turned into milliseconds, for 429/503. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "LabelStudioApiError";
  }
}

/** 401/403: retrying cannot help, and every other project would fail the same way. */
export class LabelStudioAuthError extends LabelStudioApiError {
  override name = "LabelStudioAuthError";
}

/** No answer: connection refused/reset or timeout. */
export class NetworkError extends Error {
  override name = "NetworkError";
}

/**
 * A create whose outcome is unknown (timeout, reset, 5xx after the request reached the
 * server): the storage may exist now, so the caller must list again instead of re-posting.
 */
export class AmbiguousWriteError extends Error {
  override name = "AmbiguousWriteError";
  constructor(readonly cause: Error) {
    super(cause.message);
  }
}

/** Worth another attempt: rate limited, server error or no answer. */
export function isTransient(err: unknown): boolean {
  if (err instanceof NetworkError || err instanceof AmbiguousWriteError) return true;
  return err instanceof LabelStudioApiError && !(err instanceof LabelStudioAuthError) && (err.status === 429 || err.status >= 500);
}

/** Replace every known secret in a message, so errors and logs never carry tokens or keys. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  return out;
}
