/**
 * Runs `work` in the background, never twice at once: when woken, and every `intervalMs` (rows due for
 * a retry, rows written by another instance, rows left by a restart). `work` returns true when there
 * may be more to do at once. Errors are reported and retried at the next tick.
 */
export function createPump(work: () => Promise<boolean>, intervalMs: number, onError: (error: unknown) => void) {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const run = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          if (await work()) again = true;
        } catch (error) {
          onError(error);
        }
      } while (again && !stopped);
    })().finally(() => {
      running = null;
    });
  };
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return {
    wake: run,
    /** Stops the timer and waits for the round in progress. */
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
