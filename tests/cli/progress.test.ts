import { afterEach, describe, expect, it, vi } from "vitest";
import { progressLines } from "../../src/cli/progress";

afterEach(() => {
  vi.useRealTimers();
});

describe("progressLines", () => {
  it("writes the lines of one interval together, in order, once the interval has passed", () => {
    vi.useFakeTimers();
    const writes: string[] = [];
    const progress = progressLines((text) => writes.push(text), 100);
    progress.line("project 1: unchanged");
    progress.line("project 2: created");
    vi.advanceTimersByTime(99);
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(writes).toEqual(["project 1: unchanged\nproject 2: created\n"]);
    progress.line("project 3: synced");
    vi.advanceTimersByTime(100);
    expect(writes).toEqual(["project 1: unchanged\nproject 2: created\n", "project 3: synced\n"]);
  });

  it("flush() writes what waits at once and nothing when nothing waits", () => {
    vi.useFakeTimers();
    const writes: string[] = [];
    const progress = progressLines((text) => writes.push(text), 100);
    progress.flush();
    progress.line("retrying GET /api/projects/ in 1 s");
    progress.flush();
    expect(writes).toEqual(["retrying GET /api/projects/ in 1 s\n"]);
    vi.advanceTimersByTime(1_000);
    expect(writes).toHaveLength(1);
  });

  it("writes lines still waiting when the process exits, and leaves no exit listener once flushed", () => {
    const writes: string[] = [];
    const before = process.listenerCount("exit");
    const progress = progressLines((text) => writes.push(text), 60_000);
    progress.line("project 9: created");
    expect(process.listenerCount("exit")).toBe(before + 1);
    // What the process runs at exit (the listener just added), without exiting the test worker.
    const atExit = process.listeners("exit").at(-1)!;
    atExit.call(process, 0);
    expect(writes).toEqual(["project 9: created\n"]);
    expect(process.listenerCount("exit")).toBe(before);
  });
});
