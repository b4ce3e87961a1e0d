import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createWalCheckpointer } from './wal-checkpoint.ts';

describe('WAL checkpoint in a worker thread', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  function database() {
    const dir = mkdtempSync(path.join(tmpdir(), 'facegate-wal-'));
    dirs.push(dir);
    const file = path.join(dir, 'x.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('secure_delete = ON');
    db.exec('CREATE TABLE t (secret TEXT)');
    return { file, db };
  }

  it('empties the log: an erased row is in neither the log nor the database file', async () => {
    const { file, db } = database();
    const secret = 'erase-me-' + 'x'.repeat(200);
    db.prepare('INSERT INTO t VALUES (?)').run(secret);
    db.prepare('DELETE FROM t').run();
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);
    expect(readFileSync(`${file}-wal`).includes(secret)).toBe(true);
    const wal = createWalCheckpointer(file);
    // Calls made while one runs share the next one; all resolve.
    expect(await Promise.all([wal.truncate(), wal.truncate(), wal.truncate()])).toEqual([false, false, false]);
    expect(statSync(`${file}-wal`).size).toBe(0);
    expect(readFileSync(file).includes(secret)).toBe(false);
    await wal.close();
    db.close();
  });

  it('a missing database file is an error the caller sees', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'facegate-wal-'));
    dirs.push(dir);
    const wal = createWalCheckpointer(path.join(dir, 'gone.db'));
    await expect(wal.truncate()).rejects.toThrow(/WAL checkpoint/);
    await wal.close();
  });
});
