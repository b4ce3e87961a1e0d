import { Worker } from 'node:worker_threads';

/**
 * Empties SQLite's write-ahead log into the database file (`PRAGMA wal_checkpoint(TRUNCATE)`), so an
 * erased person's pages do not linger in the -wal file. It runs in a worker thread on a connection of
 * its own: on the main thread its fsync held every request for up to 327 ms (bench:erasure).
 * One checkpoint at a time; calls made while one runs share the next.
 */
export function createWalCheckpointer(filename: string, timeoutMs = 15_000) {
  let worker: Worker | null = null;
  let nextId = 0;
  const waiting = new Map<number, { resolve: (busy: boolean) => void; reject: (error: Error) => void }>();
  let running: Promise<boolean> | null = null;
  let queued: Promise<boolean> | null = null;

  function start(): Worker {
    const started = new Worker(new URL('./wal-checkpoint-worker.mjs', import.meta.url), { workerData: { filename, timeoutMs } });
    started.on('message', (message: { id: number; busy?: boolean; error?: string }) => {
      const call = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error !== undefined) call?.reject(new Error(`WAL checkpoint: ${message.error}`));
      else call?.resolve(message.busy === true);
    });
    const fail = (error: Error) => {
      for (const call of waiting.values()) call.reject(error);
      waiting.clear();
      worker = null;
    };
    started.on('error', (error) => fail(new Error(`WAL checkpoint worker: ${error.message || error.name}`)));
    started.on('exit', (code) => fail(new Error(`WAL checkpoint worker exited (${code})`)));
    started.unref(); // idle between erasures: it must not keep the process alive
    return started;
  }

  function run(): Promise<boolean> {
    worker ??= start();
    const id = nextId++;
    const sent = worker;
    return new Promise<boolean>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      sent.postMessage(id);
    });
  }

  /** Resolves once the log is emptied: `true` if readers kept part of it (busy), as SQLite reports. */
  function truncate(): Promise<boolean> {
    if (!running) {
      running = run().finally(() => (running = null));
      return running;
    }
    // One runs already: it may have started before the caller's writes, so one more follows it.
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = null;
        return truncate();
      });
    return queued;
  }

  return {
    truncate,
    async close(): Promise<void> {
      const stopping = worker;
      worker = null;
      await stopping?.terminate();
    },
  };
}
