import type pRetryModule = require("p-retry");
import { isLabelStudioApiError, isTransient } from "./errors";

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  minTimeoutMs: number;
  maxTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 5, minTimeoutMs: 250, maxTimeoutMs: 8_000 };

/** Longest `Retry-After` we honour; a server asking for more gets the error instead. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Exponential backoff with jitter (p-retry's `randomize`) on transient errors only; a
 * `Retry-After` from the server is waited out first.
 */
export function withRetry<T>(fn: () => Promise<T>, policy: RetryPolicy, retryIf: (err: unknown) => boolean = isTransient): Promise<T> {
  // Required on first use, keeping the CLI's start-up light.
  const pRetry = require("p-retry") as typeof pRetryModule;
  return pRetry(
    async () => {
      try {
        return await fn();
      } catch (err) {
        if (!retryIf(err)) throw new pRetry.AbortError(err as Error);
        throw err;
      }
    },
    {
      retries: policy.retries,
      minTimeout: policy.minTimeoutMs,
      maxTimeout: policy.maxTimeoutMs,
      factor: 2,
      randomize: true,
      onFailedAttempt: async (err) => {
        const wait = isLabelStudioApiError(err) ? err.retryAfterMs : undefined;
        if (wait !== undefined && err.retriesLeft > 0) {
          if (wait > MAX_RETRY_AFTER_MS) throw err;
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
      },
    },
  );
}
