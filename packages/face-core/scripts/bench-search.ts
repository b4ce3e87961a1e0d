// npm run bench:search: 1:N search in the gallery matrix (GalleryMatrix) over 10k, 100k and 1M people.
//
// Real faces: every celeba-dev identity (../shared/faces or $FACES_DIR) enrols its first 3 photos and
// its other photos are the queries (mated searches: the person is in the gallery). Encodings are
// computed once with the face engine and cached outside the repository (os.tmpdir()).
// Synthetic people (one encoding each) fill the gallery up to each size: by default drawn from a
// Gaussian fitted to the real encodings (mean and covariance, renormalised), so that they crowd the
// real faces the way other people's faces would; BENCH_SYNTHETIC=uniform draws random unit vectors
// (far from every face: an easy case for the index).
// Each size is searched exactly (SIMD brute force, proven exact) and through the HNSW index (usearch),
// the decision's way (soft-nearest, 20 nearest people, exact per-person distances of the candidates).
// recallAt1 is the share of real queries whose nearest person through the index is the exact search's;
// strangerRecallAt1 the same for synthetic probes nobody in the gallery resembles more than the rest.
// Prints one JSON line at the end. BENCH_SIZES=10000,100000 and BENCH_QUERIES limit the run;
// BENCH_BUILD=background builds the index as the API does (a worker thread) and reports the stall.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createFaceEngine, decideIdentification, facesDir, GalleryMatrix, l2Normalize, type SearchableGallery } from '../src/index.ts';

const sizes = (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const maxQueries = Number(process.env.BENCH_QUERIES ?? 600);
const synthetic = process.env.BENCH_SYNTHETIC ?? 'gaussian';
const dims = 128;
const env = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
const indexOptions = Object.fromEntries(
  Object.entries({
    connectivity: env('BENCH_CONNECTIVITY'),
    expansionAdd: env('BENCH_EXPANSION_ADD'),
    expansionSearch: env('BENCH_EXPANSION_SEARCH'),
    oversample: env('BENCH_OVERSAMPLE'),
    // BENCH_BUILD_IN=main: the background build on the main thread in chunks, as before the worker.
    buildIn: process.env.BENCH_BUILD_IN,
    buildThreads: env('BENCH_BUILD_THREADS'),
  }).filter(([, v]) => v !== undefined),
);
const log = (line: unknown) => process.stderr.write(`${typeof line === 'string' ? line : JSON.stringify(line)}\n`);

/** Seeded PRNG (mulberry32), so that runs draw the same galleries. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(11);
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

interface RealFaces {
  enrolled: Map<string, number[][]>;
  queries: { id: string; encoding: number[] }[];
}

async function realFaces(): Promise<RealFaces | null> {
  const dir = path.join(facesDir(), 'celeba-dev');
  if (!existsSync(dir)) return null;
  const identities = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const files = identities.flatMap((id) =>
    readdirSync(path.join(dir, id))
      .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
      .sort()
      .map((f) => path.join(id, f)),
  );
  const cache = path.join(
    os.tmpdir(),
    `facegate-bench-search-${createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 16)}.json`,
  );
  let encodings: Record<string, number[] | null>;
  if (existsSync(cache)) encodings = JSON.parse(readFileSync(cache, 'utf8')) as Record<string, number[] | null>;
  else {
    log(`encoding ${files.length} celeba-dev photos (cached in ${cache})`);
    const engine = await createFaceEngine();
    encodings = {};
    for (const file of files) {
      try {
        encodings[file] = (await engine.encodeFace(path.join(dir, file), { multiple: 'largest' })).encoding;
      } catch {
        encodings[file] = null;
      }
    }
    engine.dispose();
    writeFileSync(cache, JSON.stringify(encodings));
  }
  const enrolled = new Map<string, number[][]>();
  const queries: RealFaces['queries'] = [];
  for (const id of identities) {
    const own = files
      .filter((f) => f.startsWith(`${id}/`))
      .map((f) => encodings[f])
      .filter((e): e is number[] => Array.isArray(e));
    if (own.length < 4) continue;
    enrolled.set(`real:${id}`, own.slice(0, 3));
    for (const e of own.slice(3)) queries.push({ id: `real:${id}`, encoding: e });
  }
  return { enrolled, queries };
}

/** Draws unit vectors from a Gaussian fitted to the samples (Cholesky of the covariance). */
function gaussianFittedTo(samples: number[][]): () => number[] {
  const n = samples.length;
  const mean = new Array<number>(dims).fill(0);
  for (const s of samples) for (let k = 0; k < dims; k++) mean[k]! += s[k]! / n;
  const cov = Array.from({ length: dims }, () => new Array<number>(dims).fill(0));
  for (const s of samples)
    for (let i = 0; i < dims; i++) for (let j = 0; j <= i; j++) cov[i]![j]! += ((s[i]! - mean[i]!) * (s[j]! - mean[j]!)) / (n - 1);
  const L = Array.from({ length: dims }, () => new Array<number>(dims).fill(0));
  for (let i = 0; i < dims; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = cov[i]![j]! + (i === j ? 1e-6 : 0);
      for (let k = 0; k < j; k++) sum -= L[i]![k]! * L[j]![k]!;
      L[i]![j] = i === j ? Math.sqrt(Math.max(sum, 1e-12)) : sum / L[j]![j]!;
    }
  }
  return () => {
    const z = Array.from({ length: dims }, normal);
    const x = mean.slice();
    for (let i = 0; i < dims; i++) for (let k = 0; k <= i; k++) x[i]! += L[i]![k]! * z[k]!;
    return l2Normalize(x);
  };
}

const uniform = () => l2Normalize(Array.from({ length: dims }, normal));

function percentiles(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p: number) => Number(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(3));
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}

const real = await realFaces();
if (!real) log('celeba-dev not found: recall on real faces is not measured (only synthetic probes)');
const draw =
  real && synthetic === 'gaussian'
    ? gaussianFittedTo([...real.enrolled.values()].flat().concat(real.queries.map((q) => q.encoding)))
    : uniform;
const realQueries = (real?.queries ?? []).slice(0, maxQueries);
const strangers = Array.from({ length: Math.min(200, maxQueries) }, draw);
log({
  synthetic: real && synthetic === 'gaussian' ? 'gaussian fitted to celeba-dev' : 'uniform unit vectors',
  realEnrolled: real?.enrolled.size ?? 0,
  realQueries: realQueries.length,
  strangers: strangers.length,
});

const results = [];
for (const people of sizes) {
  if (typeof global.gc === 'function') global.gc();
  const rssBefore = process.memoryUsage().rss;
  const map = new Map<string, number[][]>(real?.enrolled ?? []);
  for (let i = map.size; i < people; i++) map.set(`p${i}`, [draw()]);
  let t = performance.now();
  const matrix = new GalleryMatrix(map, indexOptions);
  const matrixMs = performance.now() - t;
  map.clear();
  const rssMatrix = process.memoryUsage().rss;
  t = performance.now();
  // BENCH_BUILD=background: the API's way (a worker thread, see GalleryMatrix buildIn), while the main
  // thread answers an exact search every 20 ms; the longest the event loop was held is what a door
  // request would have waited. Otherwise one synchronous build on every core (faster to run).
  let stall: { maxMs: number; p99Ms: number; searches: number } | null = null;
  if (process.env.BENCH_BUILD === 'background') {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    let searches = 0;
    const probe = draw();
    const ticker = setInterval(() => {
      matrix.rank(probe, 'soft-nearest', 20, { exact: true });
      searches++;
    }, 20);
    await matrix.buildIndexInBackground();
    clearInterval(ticker);
    delay.disable();
    stall = { maxMs: Math.round(delay.max / 1e6), p99Ms: Math.round(delay.percentile(99) / 1e6), searches };
  } else matrix.buildIndex();
  const indexMs = performance.now() - t;
  const rssIndex = process.memoryUsage().rss;

  const time = (probe: number[], exact: boolean) => {
    const start = performance.now();
    const ranked = matrix.rank(probe, 'soft-nearest', 20, { exact });
    return { ms: performance.now() - start, top: ranked[0]?.identity };
  };
  const exactTimes: number[] = [];
  const annTimes: number[] = [];
  let agree = 0;
  let agreeStrangers = 0;
  let rightPerson = 0;
  let sameDecision = 0;
  // The decision a door gets (default settings: soft minimum, threshold for this gallery's size,
  // ambiguity margin, step-up band), through the index and through exact search.
  const exactGallery: SearchableGallery = {
    size: matrix.size,
    rank: (p, r, l) => matrix.rank(p, r, l, { exact: true }),
    distanceTo: (id, p, r) => matrix.distanceTo(id, p, r),
  };
  const quality = { eyeDistancePx: 60, sharpness: 20, brightness: 120, yawDeg: 0, pitchDeg: 0 };
  const decide = (encoding: number[], gallery: SearchableGallery) => {
    const d = decideIdentification([{ encoding, quality }], gallery);
    return `${d.outcome}:${d.reason}:${d.identity}`;
  };
  for (const q of realQueries) {
    const exact = time(q.encoding, true);
    const ann = time(q.encoding, false);
    exactTimes.push(exact.ms);
    annTimes.push(ann.ms);
    if (ann.top === exact.top) agree++;
    if (exact.top === q.id) rightPerson++;
    if (decide(q.encoding, matrix) === decide(q.encoding, exactGallery)) sameDecision++;
  }
  for (const probe of strangers) {
    const exact = time(probe, true);
    const ann = time(probe, false);
    exactTimes.push(exact.ms);
    annTimes.push(ann.ms);
    if (ann.top === exact.top) agreeStrangers++;
  }
  const round = (x: number, d = 4) => Number(x.toFixed(d));
  results.push({
    people,
    samples: matrix.samples,
    index: 'hnsw',
    ...percentiles(annTimes),
    recallAt1: realQueries.length ? round(agree / realQueries.length) : null,
    strangerRecallAt1: round(agreeStrangers / strangers.length),
    sameDecisionAsExact: realQueries.length ? round(sameDecision / realQueries.length) : null,
    exact: percentiles(exactTimes),
    exactTop1IsTheRightPerson: realQueries.length ? round(rightPerson / realQueries.length) : null,
    buildMs: {
      matrix: Math.round(matrixMs),
      index: Math.round(indexMs),
      in:
        process.env.BENCH_BUILD === 'background'
          ? matrix.options.buildIn === 'worker'
            ? `worker, ${matrix.options.buildThreads} thread(s)`
            : 'main thread, in chunks'
          : 'main thread, every core, at once',
    },
    ...(stall ? { eventLoopDuringBuild: stall } : {}),
    memoryMb: {
      matrix: Math.round(matrix.bytes / 2 ** 20),
      rssMatrixDelta: Math.round((rssMatrix - rssBefore) / 2 ** 20),
      rssIndexDelta: Math.round((rssIndex - rssMatrix) / 2 ** 20),
      rss: Math.round(rssIndex / 2 ** 20),
    },
  });
  log(results.at(-1));
}
console.log(
  JSON.stringify({
    rule: 'soft-nearest',
    k: 20,
    synthetic: real && synthetic === 'gaussian' ? 'gaussian fitted to celeba-dev' : 'uniform unit vectors',
    realQueries: realQueries.length,
    strangerQueries: strangers.length,
    hnsw: { ...new GalleryMatrix(new Map(), indexOptions).options, quantization: 'f16', metric: 'l2sq' },
    results,
  }),
);
