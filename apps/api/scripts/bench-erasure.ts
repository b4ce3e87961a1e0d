// npm run bench:erasure: erasures (deletePerson) under door load, on SQLite.
//
// Starts the API on a fresh SQLite file with the office enrolled, then a door identifies at --rate
// (BENCH_RATE, default 10) requests per second, open loop (each request timed from when it was due), for
// --seconds (BENCH_SECONDS, 60) without erasures, then as long again while an administrator, every
// --seconds / --erasures (BENCH_ERASURES, 20), enrols a visitor, has them seen at the door twice (audit
// events with their face) and erases them. Prints one JSON line: erasure p50/p99/max, the door's latency
// without erasures, and during them (all, and the requests that overlapped an erasure), with the load
// average. --events (BENCH_EVENTS, 20000) past door attempts are written first, straight into the file
// (identifications of nobody, each with a 9 KB face image; outside the audit chain, which this bench
// does not check), so that an erasure looks through an audit log of a site that has run for a while.
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { loadAverage, log, pct, startSite, succeeded } from './load-site.ts';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string' },
    events: { type: 'string' },
    seconds: { type: 'string' },
    erasures: { type: 'string' },
    port: { type: 'string' },
  },
  strict: true,
});
const RATE = Number(args.rate ?? process.env.BENCH_RATE ?? 10);
const SECONDS = Number(args.seconds ?? process.env.BENCH_SECONDS ?? 60);
const ERASURES = Number(args.erasures ?? process.env.BENCH_ERASURES ?? 20);
const EVENTS = Number(args.events ?? process.env.BENCH_EVENTS ?? 20_000);
const PORT = Number(args.port ?? process.env.BENCH_PORT ?? 4630);
for (const [name, value] of Object.entries({ rate: RATE, seconds: SECONDS, erasures: ERASURES }))
  if (!(value > 0)) throw new Error(`--${name} must be a number above 0`);

const site = await startSite(PORT, 'bench-erasure');
try {
  const { gql, upload, admin, key, probe, visitors } = site;
  const identify = 'mutation ($image: File!) { identifyFace(image: $image) { __typename } }';
  const atDoor = (bytes: Uint8Array) => upload(identify, { image: null }, [{ variable: 'image', bytes }], key);
  const file = new Database(site.database);
  file.pragma('busy_timeout = 15000');
  const past = file.prepare(
    `INSERT INTO "RecognitionEvent" (id, createdAt, kind, threshold, model, decision, reason, thumbnail, eventsPublished) VALUES (?, ?, 'identify', 0.5, 'bench', 'refused', 'no_match', ?, 1)`,
  );
  file.transaction(() => {
    for (let i = 0; i < EVENTS; i++)
      past.run(randomUUID(), new Date(Date.now() - (EVENTS - i) * 1000).toISOString().replace('Z', '+00:00'), randomBytes(9000));
  })();
  file.close();
  const loadBefore = await loadAverage();

  type Span = { from: number; to: number; ok: boolean };
  /** Door requests at RATE for SECONDS from `t0`; resolves with each request's span (ms from t0). */
  async function doorLoad(t0: number): Promise<Span[]> {
    const spans: Promise<Span>[] = [];
    for (let i = 0; i < RATE * SECONDS; i++) {
      const due = (i / RATE) * 1000;
      const wait = due - (performance.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      spans.push(
        atDoor(probe.bytes).then(
          (body) => ({ from: due, to: performance.now() - t0, ok: succeeded(body, 'identifyFace') }),
          () => ({ from: due, to: performance.now() - t0, ok: false }),
        ),
      );
    }
    return Promise.all(spans);
  }

  const baseline = await doorLoad(performance.now());
  log({
    baseline: {
      n: baseline.length,
      p50Ms: pct(
        baseline.map((s) => s.to - s.from),
        0.5,
      ),
    },
  });

  const erasures: (Span & { images: number })[] = [];
  let failures = 0;
  const t0 = performance.now();
  const door = doorLoad(t0);
  for (let n = 0; n < ERASURES; n++) {
    const due = ((n + 0.5) * SECONDS * 1000) / ERASURES;
    const wait = due - (performance.now() - t0);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const created = await gql(
      'mutation ($n: String!) { createPerson(input: { name: $n }) { ... on MutationCreatePersonSuccess { data { id } } } }',
      { n: `Visitor ${n}` },
      admin,
    );
    const id = (created.data!.createPerson!.data as { id: string }).id;
    const photo = visitors[n % visitors.length]!;
    const enrolled = await upload(
      'mutation ($id: ID!, $images: [File!]!) { enrollFaces(personId: $id, images: $images, allowDuplicates: true) { __typename } }',
      { id, images: [null] },
      [{ variable: 'images.0', bytes: photo }],
      admin,
    );
    if (!succeeded(enrolled, 'enrollFaces')) {
      failures++;
      log({ enrolmentFailed: enrolled });
    }
    await atDoor(photo);
    await atDoor(photo);
    const from = performance.now() - t0;
    const erased = await gql(
      'mutation ($id: ID!) { deletePerson(id: $id) { __typename ... on MutationDeletePersonSuccess { data { auditImagesErased } } } }',
      { id },
      admin,
    );
    const ok = succeeded(erased, 'deletePerson');
    if (!ok) log({ erasureFailed: erased });
    erasures.push({
      from,
      to: performance.now() - t0,
      ok,
      images: Number((erased.data?.deletePerson?.data as { auditImagesErased?: number } | undefined)?.auditImagesErased ?? 0),
    });
  }
  const during = await door;
  const loadAfter = await loadAverage();

  const ms = (spans: Span[]) => spans.map((s) => s.to - s.from);
  const figures = (spans: Span[]) => ({
    n: spans.length,
    p50Ms: pct(ms(spans), 0.5),
    p99Ms: pct(ms(spans), 0.99),
    maxMs: pct(ms(spans), 1),
  });
  const overlapping = during.filter((s) => erasures.some((e) => e.from < s.to && s.from < e.to));
  const erasureFigures = figures(erasures);
  console.log(
    JSON.stringify({
      doorRate: RATE,
      pastEvents: EVENTS,
      seconds: SECONDS,
      erasures: {
        ...erasureFigures,
        failed: erasures.filter((e) => !e.ok).length,
        auditImagesPerErasure: pct(
          erasures.map((e) => e.images),
          0.5,
        ),
      },
      doorWithoutErasures: { ...figures(baseline), failed: baseline.filter((s) => !s.ok).length },
      doorDuringErasures: { ...figures(during), failed: during.filter((s) => !s.ok).length },
      doorOverlappingAnErasure: figures(overlapping),
      doorP99AddedMs: Number(((pct(ms(overlapping), 0.99) ?? 0) - (pct(ms(baseline), 0.99) ?? 0)).toFixed(1)),
      otherFailures: failures,
      loadAverage: { before: loadBefore, after: loadAfter },
    }),
  );
} finally {
  await site.stop();
}
