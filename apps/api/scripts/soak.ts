// npm run soak: the API under a steady 80 % of its measured capacity for --seconds (SOAK_SECONDS,
// default 1800: 30 minutes).
//
// Starts the API on a fresh SQLite file, enrols the office (as bench:api does), measures capacity
// (CAPACITY_SECONDS of door clients verifying back to back; or --rate / SOAK_RATE requests/s given, or
// SOAK_CAPACITY), then sends requests open-loop at --load (SOAK_LOAD, 0.8) of it: verify 55 %, identify
// 30 %, audit reads 10 %, enrolment 5 % (a new visitor enrolled from another photo), an administrator
// erasing the visitors enrolled so far every SOAK_ERASE_SECONDS (60), each erasure timed on its own, and
// changing settings every 15 s. At most SOAK_MAX_IN_FLIGHT (256) requests are in flight: a request due
// beyond that is not sent and counted as dropped (the client's limit, not the API's answer), apart from
// errors (any answer but a success, any transport failure). Reports audit events written during the
// soak against the door attempts made, p50/p99 latency per operation, the API's RSS (the mean of the
// first and of the last 10 minutes, or thirds of a shorter run) and the load average. Prints one JSON
// line at the end, with `pass` and each check.
import { parseArgs } from 'node:util';
import { loadAverage, log, pct, startSite, succeeded, type Body } from './load-site.ts';

const { values: args } = parseArgs({
  options: { seconds: { type: 'string' }, rate: { type: 'string' }, load: { type: 'string' } },
  strict: true,
});
const SECONDS = Number(args.seconds ?? process.env.SOAK_SECONDS ?? 1800);
const LOAD = Number(args.load ?? process.env.SOAK_LOAD ?? 0.8);
const GIVEN_RATE = Number(args.rate ?? process.env.SOAK_RATE ?? 0);
const CAPACITY_SECONDS = Number(process.env.CAPACITY_SECONDS ?? 30);
const CAPACITY_CLIENTS = Number(process.env.CAPACITY_CLIENTS ?? 16);
const ERASE_SECONDS = Number(process.env.SOAK_ERASE_SECONDS ?? 60);
const MAX_IN_FLIGHT = Number(process.env.SOAK_MAX_IN_FLIGHT ?? 256);
const PORT = Number(process.env.SOAK_PORT ?? 4620);
/** RSS is compared between the first and the last window: 10 minutes, or a third of a shorter soak. */
const RSS_WINDOW_SECONDS = Math.min(600, SECONDS / 3);
for (const [name, value] of Object.entries({ seconds: SECONDS, load: LOAD }))
  if (!(value > 0)) throw new Error(`--${name} must be a number above 0`);

const site = await startSite(PORT, 'soak');
try {
  const { gql, upload, rssMb, admin, key, probe, visitors } = site;
  const loadBefore = await loadAverage();
  const verifyQuery = 'mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename } }';
  const identifyQuery = 'mutation ($image: File!) { identifyFace(image: $image) { __typename } }';
  const verify = () =>
    upload(verifyQuery, { input: { name: probe.name, image: null } }, [{ variable: 'input.image', bytes: probe.bytes }], key);
  /** Failures by what the API answered (a typed error's name, or "errors"). */
  const failures: Record<string, number> = {};
  const ok = (body: Body, field: string) => {
    const success = succeeded(body, field);
    if (!success) {
      const what = `${field}:${body.errors ? 'errors' : (body.data?.[field]?.__typename ?? 'no data')}`;
      failures[what] = (failures[what] ?? 0) + 1;
    }
    return success;
  };

  const countEvents = async () =>
    ((await gql('{ recognitionEvents { totalCount } }', {}, admin)).data!.recognitionEvents as unknown as { totalCount: number })
      .totalCount;
  const latency: Record<string, number[]> = { verify: [], identify: [], audit: [], enrol: [], erase: [], settings: [] };
  const errors: Record<string, number> = {};
  const sent: Record<string, number> = {};
  /** Requests not sent because MAX_IN_FLIGHT were already waiting: the client's limit, not an answer. */
  const dropped: Record<string, number> = {};
  let doorAttempts = 0;
  /** When each request ran (seconds from the soak's start): to tell what slow requests overlapped. */
  const spans: { op: string; from: number; to: number }[] = [];
  let soakStart = performance.now();
  let inFlight = 0;
  let visitorIndex = 0;
  let enrolling: Promise<boolean> = Promise.resolve(true);
  const run = async (op: string, call: () => Promise<boolean>) => {
    if (inFlight >= MAX_IN_FLIGHT) {
      dropped[op] = (dropped[op] ?? 0) + 1;
      return;
    }
    sent[op] = (sent[op] ?? 0) + 1;
    inFlight++;
    const t = performance.now();
    const from = (t - soakStart) / 1000;
    try {
      if (!(await call())) errors[op] = (errors[op] ?? 0) + 1;
    } catch {
      errors[`${op}:transport`] = (errors[`${op}:transport`] ?? 0) + 1;
    } finally {
      const ms = performance.now() - t;
      latency[op]!.push(ms);
      spans.push({ op, from, to: from + ms / 1000 });
      inFlight--;
    }
  };
  const operations: [number, string, () => Promise<boolean>][] = [
    [0.55, 'verify', async () => (doorAttempts++, ok(await verify(), 'verifyFace'))],
    [
      0.3,
      'identify',
      async () => (
        doorAttempts++,
        ok(await upload(identifyQuery, { image: null }, [{ variable: 'image', bytes: probe.bytes }], key), 'identifyFace')
      ),
    ],
    [
      0.1,
      'audit',
      async () =>
        !(await gql('{ recognitionEvents(first: 20) { totalCount edges { node { id decision reason distance } } } }', {}, admin)).errors,
    ],
    [
      0.05,
      'enrol',
      // One enrolment at a time (each erases the previous visitor).
      () => (enrolling = enrolling.then(enrolVisitor, enrolVisitor)),
    ],
  ];
  const enrolledVisitors: string[] = [];
  async function enrolVisitor(): Promise<boolean> {
    const n = visitorIndex++;
    const created = await gql(
      'mutation ($n: String!) { createPerson(input: { name: $n }) { __typename ... on MutationCreatePersonSuccess { data { id } } } }',
      { n: `Visitor ${n}` },
      admin,
    );
    if (!ok(created, 'createPerson')) return false;
    const id = (created.data!.createPerson!.data as { id: string }).id;
    enrolledVisitors.push(id);
    const enrolled = await upload(
      'mutation ($id: ID!, $images: [File!]!) { enrollFaces(personId: $id, images: $images, allowDuplicates: true) { __typename ... on MutationEnrollFacesSuccess { data { enrolled { id } } } } }',
      { id, images: [null] },
      [{ variable: 'images.0', bytes: visitors[n % visitors.length]! }],
      admin,
    );
    return ok(enrolled, 'enrollFaces') && (enrolled.data!.enrollFaces!.data as { enrolled: unknown[] }).enrolled.length === 1;
  }
  /** Each erasure's own time (ms), not counting the wait for an enrolment under way. */
  const erasureMs: number[] = [];
  /** Erases the visitors enrolled so far (but the last, whose enrolment may be under way). */
  async function eraseVisitors(): Promise<boolean> {
    const erase = enrolledVisitors.splice(0, Math.max(0, enrolledVisitors.length - 1));
    let all = true;
    for (const id of erase) {
      const t = performance.now();
      all = ok(await gql('mutation ($id: ID!) { deletePerson(id: $id) { __typename } }', { id }, admin), 'deletePerson') && all;
      erasureMs.push(performance.now() - t);
    }
    return all;
  }
  const pick = () => {
    let at = Math.random();
    return operations.find(([share]) => (at -= share) < 0) ?? operations[0]!;
  };

  // Capacity: clients sending the same mix back to back (closed loop).
  let capacity = GIVEN_RATE ? GIVEN_RATE / LOAD : Number(process.env.SOAK_CAPACITY ?? 0);
  let capacityRun: Record<string, unknown> = { given: true };
  if (!capacity) {
    let done = 0;
    let failed = 0;
    const end = Date.now() + CAPACITY_SECONDS * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CAPACITY_CLIENTS }, async () => {
        while (Date.now() < end) {
          const [, , call] = pick();
          if (await call().catch(() => false)) done++;
          else failed++;
        }
      }),
    );
    capacity = done / ((performance.now() - started) / 1000);
    capacityRun = {
      clients: CAPACITY_CLIENTS,
      seconds: CAPACITY_SECONDS,
      requestsPerSecond: Number(capacity.toFixed(1)),
      failed,
      failures: { ...failures },
    };
    for (const k of Object.keys(failures)) delete failures[k];
  }
  const rate = capacity * LOAD;
  log({ capacity: capacityRun, soakRate: Number(rate.toFixed(1)), seconds: SECONDS });
  const eventsBefore = await countEvents();
  doorAttempts = 0;

  const pending = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  const rss: { s: number; mb: number }[] = [{ s: 0, mb: await rssMb() }];
  const started = performance.now();
  soakStart = started;
  const elapsed = () => (performance.now() - started) / 1000;
  const eraseTimer = setInterval(
    () => track(run('erase', () => (enrolling = enrolling.then(eraseVisitors, eraseVisitors)))),
    ERASE_SECONDS * 1000,
  );
  let settingsToggle = false;
  const settingsTimer = setInterval(() => {
    settingsToggle = !settingsToggle;
    track(
      run('settings', async () =>
        ok(
          await gql(
            'mutation ($d: Int!) { updateSettings(input: { auditImageRetentionDays: $d }) { __typename } }',
            { d: settingsToggle ? 91 : 90 },
            admin,
          ),
          'updateSettings',
        ),
      ),
    );
  }, 15_000);
  const rssTimer = setInterval(
    () =>
      void rssMb().then(
        (mb) => rss.push({ s: elapsed(), mb }),
        () => undefined,
      ),
    10_000,
  );
  // Open loop: requests start on schedule whether or not earlier ones have answered.
  for (let i = 0; elapsed() < SECONDS; i++) {
    const due = (i / rate) * 1000;
    const wait = due - (performance.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const [, op, call] = pick();
    track(run(op, call));
  }
  clearInterval(settingsTimer);
  clearInterval(eraseTimer);
  clearInterval(rssTimer);
  await Promise.all(pending);
  const seconds = elapsed();
  rss.push({ s: seconds, mb: await rssMb() });
  const eventsDuring = (await countEvents()) - eventsBefore;

  // RSS: the mean of the first window against the last (flat: within 5 %), and a line through the second half.
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const firstMb = mean(rss.filter((r) => r.s <= RSS_WINDOW_SECONDS).map((r) => r.mb));
  const lastMb = mean(rss.filter((r) => r.s >= seconds - RSS_WINDOW_SECONDS).map((r) => r.mb));
  const half = rss.filter((r) => r.s >= seconds / 2);
  const mx = mean(half.map((r) => r.s));
  const my = mean(half.map((r) => r.mb));
  const slope = half.reduce((a, r) => a + (r.s - mx) * (r.mb - my), 0) / (half.reduce((a, r) => a + (r.s - mx) ** 2, 0) || 1);
  const all = Object.values(latency).flat();
  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
  const erasures = spans.filter((x) => x.op === 'erase');
  const slow = spans.filter((x) => x.op !== 'erase' && x.op !== 'enrol' && x.to - x.from > 2);
  const overlapping = slow.filter((x) => erasures.some((e) => e.from < x.to && x.from < e.to)).length;
  const rssChangePercent = ((lastMb - firstMb) / firstMb) * 100;
  const erasureP99 = pct(erasureMs, 0.99);
  const checks = {
    noErrors: errorCount === 0,
    auditEventsEqualAttempts: eventsDuring === doorAttempts,
    rssFlat: Math.abs(rssChangePercent) <= 5,
    erasureP99Within1s: erasureP99 !== null && erasureP99 <= 1000,
    nothingDropped: Object.keys(dropped).length === 0,
  };
  console.log(
    JSON.stringify({
      pass: Object.values(checks).every(Boolean),
      checks,
      seconds: Number(seconds.toFixed(1)),
      capacity: capacityRun,
      load: LOAD,
      targetRate: Number(rate.toFixed(1)),
      achievedRate: Number((Object.values(sent).reduce((a, b) => a + b, 0) / seconds).toFixed(1)),
      sent,
      dropped,
      maxInFlight: MAX_IN_FLIGHT,
      errors: errorCount,
      errorsBy: errors,
      failures,
      doorAttempts,
      auditEvents: eventsDuring,
      p50Ms: pct(all, 0.5),
      p99Ms: pct(all, 0.99),
      erasures: { n: erasureMs.length, p50Ms: pct(erasureMs, 0.5), p99Ms: erasureP99, maxMs: pct(erasureMs, 1) },
      slowDoorAndAuditRequests: { over2s: slow.length, overlappingAnErasure: overlapping },
      byOperation: Object.fromEntries(
        Object.entries(latency).map(([op, list]) => [op, { n: list.length, p50Ms: pct(list, 0.5), p99Ms: pct(list, 0.99) }]),
      ),
      rssMb: {
        windowSeconds: Math.round(RSS_WINDOW_SECONDS),
        firstWindowMean: Math.round(firstMb),
        lastWindowMean: Math.round(lastMb),
        changePercent: Number(rssChangePercent.toFixed(1)),
        max: Math.round(Math.max(...rss.map((r) => r.mb))),
        secondHalfSlopeMbPerMin: Number((slope * 60).toFixed(2)),
        samples: rss.length,
      },
      loadAverage: { before: loadBefore, after: await loadAverage() },
    }),
  );
} finally {
  await site.stop();
}
