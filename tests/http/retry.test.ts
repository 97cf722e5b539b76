import { describe, expect, it } from "vitest";
import { describeWait, retrying, retryOptions, type RetryOptions, type RetryWait, type Verdict } from "../../src/http/retry";
import { seededRandom } from "../harness/http";

/** A clock that only moves when the code under test sleeps, or an attempt says it took time. */
function fakeClock() {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    advance: (ms: number) => void (now += ms),
    clock: {
      now: () => now,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
      },
    },
  };
}

const failure = (reason: string, retryAfterMs?: number) => Object.assign(new Error(`failed: ${reason}`), { reason, retryAfterMs, transient: reason !== "400" });
const classify = (err: unknown): Verdict => {
  const e = err as ReturnType<typeof failure>;
  return { retry: e.transient, reason: e.reason, ...(e.retryAfterMs === undefined ? {} : { retryAfterMs: e.retryAfterMs }) };
};

/** Runs `retrying` over a script of outcomes (an error to throw, or a value). */
async function run(script: Array<Error | string>, options: Partial<RetryOptions>, attemptMs = 0) {
  const time = fakeClock();
  const waits: RetryWait[] = [];
  let attempts = 0;
  const result = await retrying(
    "Svc",
    "GET /x",
    async ({ remainingMs }) => {
      const step = script[attempts++];
      expect(remainingMs).toBeGreaterThanOrEqual(0);
      time.advance(attemptMs);
      if (step instanceof Error) throw step;
      return step;
    },
    classify,
    retryOptions({ clock: time.clock, random: seededRandom(42), onWait: (w) => waits.push(w) }, options),
  ).catch((err: unknown) => err as Error);
  return { result, attempts, sleeps: time.sleeps, waits };
}

describe("retrying", () => {
  it("backs off exponentially with seeded jitter between half and all of each step, up to the maximum", async () => {
    const { result, sleeps } = await run([...Array.from({ length: 7 }, () => failure("500")), "ok"], { minDelayMs: 100, maxDelayMs: 1_600 });
    expect(result).toBe("ok");
    const steps = [100, 200, 400, 800, 1_600, 1_600, 1_600];
    sleeps.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(steps[i] / 2);
      expect(ms).toBeLessThanOrEqual(steps[i]);
    });
    // The same seed, the same waits.
    expect((await run([...Array.from({ length: 7 }, () => failure("500")), "ok"], { minDelayMs: 100, maxDelayMs: 1_600 })).sleeps).toEqual(sleeps);
  });

  it("waits a Retry-After, but never longer than its cap", async () => {
    const { result, sleeps } = await run([failure("429", 1_000), failure("429", 3_600_000), "ok"], { maxRetryAfterMs: 5_000 });
    expect(result).toBe("ok");
    expect(sleeps).toEqual([1_000, 5_000]);
  });

  it("keeps retrying while the budget lasts, then gives up before a wait that would end past it, with the last error", async () => {
    const script = [...Array.from({ length: 100 }, (_, i) => failure(i % 2 ? "503" : "500"))];
    const { result, attempts, sleeps } = await run(script, { budgetMs: 10_000, minDelayMs: 500, maxDelayMs: 2_000 }, 100);
    expect(result).toBeInstanceOf(Error);
    expect(attempts).toBeGreaterThan(6);
    const spent = sleeps.reduce((a, b) => a + b, 0) + attempts * 100;
    expect(spent).toBeLessThanOrEqual(10_000);
    expect((result as Error).message).toMatch(new RegExp(`^failed: ${attempts % 2 ? "500" : "503"} \\(gave up after ${attempts} attempts in \\d\\.\\d s: retry budget 10 s\\)$`));
    expect(result).not.toHaveProperty("attemptNumber");
  });

  it("does not retry what the classifier calls final", async () => {
    const { result, attempts, sleeps } = await run([failure("400"), "ok"], {});
    expect([(result as Error).message, attempts, sleeps]).toEqual(["failed: 400", 1, []]);
  });

  it("stops at the run's deadline, and sends nothing once it has passed", async () => {
    const time = fakeClock();
    const deadline = time.clock.now() + 1_000;
    const options = retryOptions({ clock: time.clock, random: seededRandom(1), minDelayMs: 300, deadline });
    const err = await retrying("Svc", "GET /x", () => Promise.reject(failure("500")), classify, options).catch((e: unknown) => e as Error);
    expect(err.message).toMatch(/\(gave up after \d attempts in \d+(\.\d)? s: the run's time budget is spent\)$/);
    let sent = false;
    const late = await retrying("Svc", "GET /y", async () => void (sent = true), classify, { ...options, deadline: time.clock.now() }).catch((e: unknown) => e as Error);
    expect([sent, late?.name, late?.message]).toEqual([false, "RunBudgetSpent", "Svc GET /y: not sent, the run's time budget is spent"]);
  });

  it("names the scope a request runs in, and describes a wait in one line", async () => {
    const time = fakeClock();
    const waits: RetryWait[] = [];
    let first = true;
    const options = retryOptions({ clock: time.clock, onWait: (w) => waits.push(w), scope: "project 3008" });
    await retrying(
      "Label Studio",
      "GET /api/storages/s3/",
      async () => {
        if (!first) return;
        first = false;
        time.advance(12_000);
        throw failure("429", 1_000);
      },
      classify,
      options,
    );
    expect(waits).toEqual([{ service: "Label Studio", request: "GET /api/storages/s3/", reason: "429", attempt: 1, delayMs: 1_000, elapsedMs: 12_000, budgetMs: 60_000, scope: "project 3008" }]);
    expect(describeWait(waits[0])).toBe("Label Studio busy: 429, retrying in 1 s (project 3008, 12 s of 60 s)");
    expect(describeWait({ ...waits[0], reason: "ECONNREFUSED", scope: undefined, delayMs: 250, elapsedMs: 0 })).toBe("Label Studio unreachable: ECONNREFUSED, retrying in 0.3 s (GET /api/storages/s3/, 0 s of 60 s)");
  });
});
