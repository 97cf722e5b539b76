import type pRetryModule = require("p-retry");

/**
 * The one retry mechanism of every API client (Label Studio, CrunchyBridge, S3 markers), in the
 * CLI and inside `pulumi up` alike. A request is retried while its time budget lasts, not a
 * fixed number of times: exponential backoff with jitter, a server's `Retry-After` honoured up to
 * a cap, and no wait that would end past the budget (or past the run's deadline) — the request
 * gives up at once instead, naming the last error.
 *
 * p-retry runs the attempts; the waits are computed here, because they depend on `Retry-After`
 * and the budget, and because tests seed the jitter and replace the clock.
 */

export interface RetryClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface RetryOptions {
  /** Time from a request's first attempt after which no retry starts. */
  budgetMs: number;
  /** First backoff; doubles per retry up to maxDelayMs, jittered. */
  minDelayMs: number;
  maxDelayMs: number;
  /** Longest `Retry-After` waited; a server asking for more is retried after this long. */
  maxRetryAfterMs: number;
  /** Absolute time (on `clock`) after which no retry starts: a whole run's budget. */
  deadline?: number;
  /** In [0, 1); seeded in tests. */
  random: () => number;
  clock: RetryClock;
  /** Told before each wait (progress on stderr in the CLI). */
  onWait?: (wait: RetryWait) => void;
  /** The unit of work the request belongs to, named in waits, e.g. "project 3008". */
  scope?: string;
}

export const DEFAULT_REQUEST_BUDGET_MS = 60_000;
/** The stack config key (project namespace) the dynamic providers read the budget from. */
export const REQUEST_BUDGET_CONFIG_KEY = "api.requestBudgetSeconds";

/** Seconds as given by a flag, an environment variable or stack config → ms; undefined if unset or not a positive number. */
export function secondsToMs(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : undefined;
}

export const DEFAULT_RETRY_OPTIONS: Readonly<RetryOptions> = {
  budgetMs: DEFAULT_REQUEST_BUDGET_MS,
  minDelayMs: 250,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 30_000,
  random: Math.random,
  clock: { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
};

/** What a failed attempt means for the next one. */
export interface Verdict {
  retry: boolean;
  /** Short cause for progress lines: "429", "500", "ECONNREFUSED", "no answer within 30000 ms". */
  reason: string;
  /** From the server's `Retry-After`. */
  retryAfterMs?: number;
}

export interface RetryWait {
  /** "Label Studio", "CrunchyBridge", "S3". */
  service: string;
  /** "GET /api/projects/". */
  request: string;
  reason: string;
  /** Consecutive failures so far. */
  attempt: number;
  delayMs: number;
  elapsedMs: number;
  budgetMs: number;
  /** RetryOptions.scope. */
  scope?: string;
}

/** The shortest timeout the budget leaves a last attempt. */
const MIN_ATTEMPT_TIMEOUT_MS = 1_000;

/** An attempt's timeout: its own, cut to what is left of the budget (but never below 1 s). */
export function attemptTimeoutMs(ownMs: number, remainingMs: number): number {
  return Math.min(ownMs, Math.max(remainingMs, MIN_ATTEMPT_TIMEOUT_MS));
}

export interface Attempt {
  /** 1 for the first. */
  number: number;
  /** Until the budget or the run's deadline ends: an attempt's own timeout should not exceed it. */
  remainingMs: number;
}

/** Merges partial options (undefined fields ignored) over the defaults. */
export function retryOptions(...layers: Array<Partial<RetryOptions> | undefined>): RetryOptions {
  const merged: RetryOptions = { ...DEFAULT_RETRY_OPTIONS };
  for (const layer of layers) for (const [key, value] of Object.entries(layer ?? {})) if (value !== undefined) Object.assign(merged, { [key]: value });
  return merged;
}

/**
 * Runs `attempt` until it succeeds, `classify` says its error is final, or the next wait would
 * end past the budget. The error thrown is the last attempt's, its message extended with how
 * many attempts were made over how long when the budget ran out.
 */
export function retrying<T>(
  service: string,
  request: string,
  attempt: (attempt: Attempt) => Promise<T>,
  classify: (err: unknown) => Verdict,
  options: RetryOptions,
): Promise<T> {
  // Required on first use, keeping the CLI's start-up light.
  const pRetry = require("p-retry") as typeof pRetryModule;
  const { clock } = options;
  const started = clock.now();
  const requestDeadline = started + options.budgetMs;
  const deadline = Math.min(requestDeadline, options.deadline ?? Infinity);
  if (started >= deadline) return Promise.reject(runBudgetSpent(`${service} ${request}`));
  return pRetry(
    async (number) => {
      try {
        return await attempt({ number, remainingMs: Math.max(0, deadline - clock.now()) });
      } catch (err) {
        if (!(err instanceof Error) || !classify(err).retry) throw new pRetry.AbortError(err instanceof Error ? err : new Error(String(err)));
        throw err;
      }
    },
    {
      // p-retry loops; the waits are ours (onFailedAttempt), so its own timer is 0 ms.
      retries: 0,
      forever: true,
      minTimeout: 0,
      maxTimeout: 0,
      randomize: false,
      onFailedAttempt: async (err) => {
        const verdict = classify(err);
        const failures = err.attemptNumber;
        const backoff = Math.min(options.maxDelayMs, options.minDelayMs * 2 ** (failures - 1));
        // "Equal jitter": half the backoff fixed, half random, so concurrent clients spread out.
        const jittered = backoff / 2 + (options.random() * backoff) / 2;
        const delayMs = Math.round(verdict.retryAfterMs === undefined ? jittered : Math.min(verdict.retryAfterMs, options.maxRetryAfterMs));
        const now = clock.now();
        if (now + delayMs >= deadline) {
          const spent = `${failures} attempt${failures === 1 ? "" : "s"} in ${seconds(now - started)}`;
          const limit = deadline < requestDeadline ? "the run's time budget is spent" : `retry budget ${seconds(options.budgetMs)}`;
          err.message += ` (gave up after ${spent}: ${limit})`;
          throw stripCounts(err);
        }
        const { scope } = options;
        options.onWait?.({ service, request, reason: verdict.reason, attempt: failures, delayMs, elapsedMs: now - started, budgetMs: options.budgetMs, ...(scope ? { scope } : {}) });
        await clock.sleep(delayMs);
      },
    },
  ).catch((err: unknown) => {
    throw stripCounts(err);
  });
}

export interface RunBudgetSpent extends Error {
  name: "RunBudgetSpent";
}

/** A request not even tried: the run's deadline had passed. */
export function runBudgetSpent(what: string): RunBudgetSpent {
  return Object.assign(new Error(`${what}: not sent, the run's time budget is spent`), { name: "RunBudgetSpent" as const });
}

export const isRunBudgetSpent = (err: unknown): err is RunBudgetSpent => err instanceof Error && err.name === "RunBudgetSpent";

/** p-retry writes its counters onto our error; they mean nothing to a caller. */
function stripCounts(err: unknown): unknown {
  if (err instanceof Error) {
    const counted = err as Error & { attemptNumber?: number; retriesLeft?: number };
    delete counted.attemptNumber;
    delete counted.retriesLeft;
  }
  return err;
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms / 1000)} s`;
}

/** "Label Studio busy: 429, retrying in 1 s (project 3008, 12 s of 60 s)". */
export function describeWait(wait: RetryWait): string {
  const state = /^(429|503)$/.test(wait.reason) ? "busy" : /^\d{3}$/.test(wait.reason) ? "failing" : "unreachable";
  const where = wait.scope ?? wait.request;
  return `${wait.service} ${state}: ${wait.reason}, retrying in ${seconds(wait.delayMs)} (${where}, ${seconds(wait.elapsedMs)} of ${seconds(wait.budgetMs)})`;
}
