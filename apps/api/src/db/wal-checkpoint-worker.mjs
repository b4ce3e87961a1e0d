// The SQLite WAL checkpoint on a connection of its own, in a worker thread (see wal-checkpoint.ts): its
// copying and fsync, up to a few hundred ms, would otherwise hold the API's event loop and every door.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

let db = null;

parentPort.on('message', (id) => {
  try {
    db ??= new Database(workerData.filename, { timeout: workerData.timeoutMs, fileMustExist: true });
    // PASSIVE first copies the log into the database without blocking writers; TRUNCATE then only has the
    // frames written meanwhile to copy before it empties the log file (it blocks writers while it runs).
    db.pragma('wal_checkpoint(PASSIVE)');
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)');
    parentPort.postMessage({ id, busy: result.busy === 1 });
  } catch (error) {
    parentPort.postMessage({ id, error: `${error.code ?? 'SQLITE_ERROR'}: ${error.message}` });
  }
});
