import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedGraph, graphCacheDir } from './graph-cache.ts';

describe('the ONNX graph cache', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'facegate-graphs-'));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const weights = path.join(dir, 'weights.bin');
  await writeFile(weights, 'weights v1');
  let builds = 0;
  const build = async () => {
    builds++;
    return new Uint8Array([1, 2, 3]);
  };

  it('builds once, then hands ONNX Runtime the file', async () => {
    const cache = path.join(dir, 'cache');
    expect(await cachedGraph('net', [weights], build, cache)).toEqual(new Uint8Array([1, 2, 3]));
    const file = await cachedGraph('net', [weights], build, cache);
    expect(typeof file).toBe('string');
    expect(builds).toBe(1);
    expect(await readdir(cache)).toEqual([path.basename(file as string)]);
  });

  it('rebuilds when the weights change, and drops the stale file, not another graph whose name it begins', async () => {
    const cache = path.join(dir, 'cache');
    const other = await cachedGraph('net-int8', [weights], build, cache).then(() => cachedGraph('net-int8', [weights], build, cache));
    await writeFile(weights, 'weights v2');
    await cachedGraph('net', [weights], build, cache);
    expect(builds).toBe(3);
    expect(await readdir(cache)).toHaveLength(2);
    expect(await readdir(cache)).toContain(path.basename(other as string));
  });

  it('runs from memory where it cannot write, and when switched off', async () => {
    const readOnly = path.join(dir, 'read-only');
    await writeFile(readOnly, 'a file, not a folder');
    await chmod(readOnly, 0o444);
    expect(await cachedGraph('net', [weights], build, path.join(readOnly, 'onnx'))).toBeInstanceOf(Uint8Array);
    expect(graphCacheDir({ FACEGATE_GRAPH_CACHE: 'off' })).toBeNull();
    expect(graphCacheDir({})).toMatch(/face-core[/\\]\.cache[/\\]onnx$/);
  });
});
