// npm run bench:search: exact 1:N search in the contiguous gallery matrix (GalleryMatrix) over 10k,
// 100k and 1M synthetic people (one random unit vector each, plus their centroids), soft-nearest rule,
// 20 nearest. Prints one JSON line with, per size: people, build time, bytes, p50/p99 ms per search.
// Exact search: recall@1 is 1 by construction; an approximate index (HNSW) is not built yet.
import { GalleryMatrix, l2Normalize } from '../src/index.ts';

function randomUnit(dims = 128): number[] {
  // Box-Muller: normal components give a direction uniform on the sphere.
  return l2Normalize(Array.from({ length: dims }, () => Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random())));
}

const sizes = (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const queries = Number(process.env.BENCH_QUERIES ?? 30);
const results = [];
for (const people of sizes) {
  const map = new Map<string, number[][]>();
  for (let i = 0; i < people; i++) map.set(`p${i}`, [randomUnit()]);
  const rssBefore = process.memoryUsage().rss;
  let t = performance.now();
  const matrix = new GalleryMatrix(map);
  const buildMs = performance.now() - t;
  map.clear();
  const times: number[] = [];
  for (let q = 0; q < queries; q++) {
    const probe = randomUnit();
    t = performance.now();
    matrix.rank(probe, 'soft-nearest', 20);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => Number(times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(2));
  results.push({ people, buildMs: Math.round(buildMs), matrixMb: Math.round(matrix.bytes / 2 ** 20), rssDeltaMb: Math.round((process.memoryUsage().rss - rssBefore) / 2 ** 20), p50Ms: at(0.5), p99Ms: at(0.99), recallAt1: 1, index: 'exact' });
  process.stderr.write(`${JSON.stringify(results.at(-1))}\n`);
}
console.log(JSON.stringify({ rule: 'soft-nearest', k: 20, queries, results }));
