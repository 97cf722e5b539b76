/**
 * Progress lines for stderr, written together at most `flushMs` after the first one waiting.
 * Under a CronJob or CI, stderr is a pipe, and Node writes to a pipe synchronously: one system
 * call per project line was 7% of a no-op `oceanid provision`'s CPU, on the event loop that
 * also carries the requests. `flush()` writes what waits; call it before the last lines of a
 * run. Lines still waiting when the process exits are written then.
 */
export interface ProgressLines {
  line(text: string): void;
  flush(): void;
}

export function progressLines(write: (text: string) => void, flushMs = 100): ProgressLines {
  let waiting: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (waiting.length === 0) return;
    clearTimeout(timer);
    process.removeListener("exit", flush);
    const text = waiting.join("");
    waiting = [];
    write(text);
  };
  return {
    line(text) {
      if (waiting.length === 0) {
        // Unref'd: a run that is otherwise done does not wait for it; exit writes the lines.
        timer = setTimeout(flush, flushMs).unref();
        process.once("exit", flush);
      }
      waiting.push(`${text}\n`);
    },
    flush,
  };
}
