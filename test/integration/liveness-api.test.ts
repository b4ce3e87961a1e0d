import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces, readLivenessOperatingPoints } from '@facegate/face-core';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { apiClient } from './api-client.ts';

const pad = path.join(facesDir(), 'pad-dev');
const bin = fileURLToPath(new URL('../../apps/api/bin/facegate.js', import.meta.url));
const run = promisify(execFile);
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
const RESULT = `decision reason attemptId stepUpReason event { id reason livenessScore framesUsed }`;
const VERIFY = `mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename
  ... on MutationVerifyFaceSuccess { data { ${RESULT} } } ... on Error { code } } }`;
const COMPLETE = `mutation ($a: ID!, $pin: String!) { completeStepUp(attemptId: $a, pin: $pin) { __typename ... on MutationCompleteStepUpSuccess { data { ${RESULT} } } ... on Error { code message } } }`;
const SETTINGS = `mutation ($mode: LivenessMode!) { updateSettings(input: { liveness: $mode }) { __typename } }`;
const CALIBRATION = `query ($d: ID!) { doorLivenessCalibration(doorId: $d) { points { attack live } calibrated attempts quantiles { q score } histogram suggestedLivePoint stepUpNow } }`;

// The API with the presentation-attack check: MiniFASNet never saw pad-dev (its points were chosen on
// pad-dev's development subjects and LFW DevTrain). The photos are chosen for where their scores fall
// (measured when written: NUAA print nuaa0001_18 0.018, a confident attack; MSU's iPad replay of msu001
// 0.42, uncertain; msu001's live frame 0.95, live; NUAA's live frames 0.35-0.73, uncertain at the
// shipped points), so a change of crop, colour order or points that moves them fails here.
describe.skipIf(!hasFaces('pad-dev'))(`liveness at the door (needs ${pad}; skipped when absent)`, () => {
  let app: App;
  let dir: string;
  let admin: string;
  let client: ReturnType<typeof apiClient>;
  const points = readLivenessOperatingPoints().points.balanced;
  const frames = (files: string[]) => Object.fromEntries(files.map((f, i) => [`input.frames.${i}`, path.join(pad, f)]));
  const attempt = async (name: string, files: string[], doorId?: string) =>
    (await client.upload(VERIFY, { input: { name, frames: files.map(() => null), ...(doorId ? { doorId } : {}) } }, frames(files), admin))
      .body.data!.verifyFace.data;
  const complete = async (attemptId: string, pin: string) =>
    (await client.gql(COMPLETE, { a: attemptId, pin }, admin)).body.data!.completeStepUp.data;
  const eventsOf = (id: string) => app.db.prisma.recognitionEvent.findMany({ where: { id } });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'facegate-liveness-'));
    app = await createApp(
      loadConfig({
        DATABASE_URL: `file:${path.join(dir, 'facegate.db')}`,
        FACEGATE_ADMIN_EMAIL: ADMIN.email,
        FACEGATE_ADMIN_PASSWORD: ADMIN.password,
        FACEGATE_RECOGNIZER_THREADS: '1',
      }),
    );
    client = apiClient(app);
    admin = await client.login(ADMIN.email, ADMIN.password);
    for (const [name, file] of [
      ['msu001', 'live/msu001_01.jpg'],
      ['nuaa0001', 'live/nuaa0001_01.jpg'],
    ] as const) {
      const person = await app.services.people.create({ name });
      const { enrolled } = await app.services.people.enroll(person.id, [
        { filename: 'live.jpg', bytes: new Uint8Array(await readFile(path.join(pad, file))) },
      ]);
      expect(enrolled).toHaveLength(1);
      const pin = await client.gql(
        `mutation ($p: ID!) { setPersonPin(personId: $p, pin: "4826") { __typename } }`,
        { p: person.id },
        admin,
      );
      expect(pin.body.data!.setPersonPin.__typename).toBe('MutationSetPersonPinSuccess');
    }
  });
  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('on by default: a confident attack is refused as a presentation attack, audited once with its score', async () => {
    expect((await client.gql(`{ settings { liveness } }`, {}, admin)).body.data!.settings).toEqual({ liveness: 'BALANCED' });
    const result = await attempt('nuaa0001', ['spoof/nuaa0001_18.jpg']);
    expect(result).toMatchObject({ decision: 'REFUSED', reason: 'presentation_attack' });
    const events = await eventsOf(result.event.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ decision: 'refused', reason: 'presentation_attack', decidedPersonId: null });
    expect(events[0]!.livenessScore!).toBeLessThan(points.attack);
  });

  it('in the uncertain band a matching face is asked for the PIN (liveness_uncertain), and the PIN lets a live person in: one audit event', async () => {
    const asked = await attempt('msu001', ['spoof/msu001_01.jpg']);
    expect(asked).toMatchObject({ decision: 'STEP_UP', reason: 'liveness_uncertain', stepUpReason: 'liveness_uncertain' });
    expect(asked.event.livenessScore).toBeGreaterThanOrEqual(points.attack);
    expect(asked.event.livenessScore).toBeLessThan(points.live);
    // Without the PIN, the replay gets nowhere; with it (the person themself at a camera the door has not
    // learnt), the door opens, and the attempt stays one event.
    expect(await complete(asked.attemptId, '0000')).toMatchObject({ decision: 'STEP_UP' });
    expect(await complete(asked.attemptId, '4826')).toMatchObject({ decision: 'ACCEPTED', reason: 'pin_ok' });
    const events = await eventsOf(asked.attemptId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ decision: 'accepted', reason: 'pin_ok', stepUpReason: 'liveness_uncertain' });
  });

  it('a clearly live face is accepted at the first try', async () => {
    const live = await attempt('msu001', ['live/msu001_01.jpg']);
    expect(live).toMatchObject({ decision: 'ACCEPTED', reason: 'match' });
    expect(live.event.livenessScore).toBeGreaterThanOrEqual(points.live);
  });

  it('judges a burst by most of its frames, and leaves a frame that looks worse than the burst out of the face compared', async () => {
    const prints = await attempt('msu001', ['spoof/nuaa0001_18.jpg', 'live/msu001_01.jpg', 'spoof/nuaa0001_19.jpg']);
    expect(prints).toMatchObject({ decision: 'REFUSED', reason: 'presentation_attack' });
    const live = await attempt('msu001', ['live/msu001_01.jpg', 'spoof/nuaa0001_18.jpg', 'live/msu001_01.jpg']);
    expect(live).toMatchObject({ decision: 'ACCEPTED', reason: 'match' });
    expect(live.event.framesUsed).toBe(2);
  });

  it('a door calibrated from its own accepted attempts lets its live people in without the PIN, and still refuses a confident attack', async () => {
    const door = (await client.gql(`mutation { createDoor(name: "lab") { ... on MutationCreateDoorSuccess { data { id } } } }`, {}, admin))
      .body.data!.createDoor.data.id as string;
    // A camera like NUAA's webcam: every live frame of nuaa0001 is uncertain at the shipped points, so
    // each asks for the PIN and the person completes it (20 live frames, 20 attempts).
    const stepUps = [];
    for (let i = 1; i <= 20; i++) {
      const asked = await attempt('nuaa0001', [`live/nuaa0001_${String(i).padStart(2, '0')}.jpg`], door);
      stepUps.push(asked.reason);
      if (asked.decision === 'STEP_UP') expect(await complete(asked.attemptId, '4826')).toMatchObject({ decision: 'ACCEPTED' });
    }
    expect(stepUps.filter((r) => r === 'liveness_uncertain').length).toBeGreaterThanOrEqual(18);
    const calibration = (await client.gql(CALIBRATION, { d: door }, admin)).body.data!.doorLivenessCalibration;
    expect(calibration).toMatchObject({ points, calibrated: false, attempts: 20 });
    expect(calibration.histogram.reduce((a: number, b: number) => a + b, 0)).toBe(20);
    expect(calibration.stepUpNow).toBeGreaterThanOrEqual(0.9);
    const suggested = calibration.suggestedLivePoint as number;
    expect(suggested).toBeGreaterThan(points.attack);
    expect(suggested).toBeLessThan(points.live);
    // The same from the command line, on the same database.
    const cli = JSON.parse(
      (
        await run(process.execPath, [bin, 'db', 'liveness', '--door', 'lab', '--json'], {
          env: { ...process.env, DATABASE_URL: `file:${path.join(dir, 'facegate.db')}`, FACEGATE_RECOGNIZER_THREADS: '1' },
        })
      ).stdout,
    );
    expect(cli).toMatchObject({ door: 'lab', attempts: 20, suggestedLivePoint: suggested, set: null });
    // An administrator-only read: a door key or anonymous caller sees nothing of it.
    expect((await client.gql(CALIBRATION, { d: door })).body.data?.doorLivenessCalibration ?? null).toBeNull();

    const set = await client.gql(
      `mutation ($id: ID!, $p: Float!) { updateDoor(id: $id, input: { settings: { livenessLivePoint: $p } }) { __typename ... on MutationUpdateDoorSuccess { data { settings { livenessLivePoint } } } } }`,
      { id: door, p: suggested },
      admin,
    );
    expect(set.body.data!.updateDoor.data.settings.livenessLivePoint).toBeCloseTo(suggested, 9);
    const after = (await client.gql(CALIBRATION, { d: door }, admin)).body.data!.doorLivenessCalibration;
    expect(after).toMatchObject({ calibrated: true, points: { attack: points.attack, live: suggested } });
    expect(after.stepUpNow).toBeLessThanOrEqual(0.1);
    // nuaa0001's clearest live frame (0.73) now opens without the PIN; the confident attack is still refused.
    expect(await attempt('nuaa0001', ['live/nuaa0001_10.jpg'], door)).toMatchObject({ decision: 'ACCEPTED', reason: 'match' });
    expect(await attempt('nuaa0001', ['spoof/nuaa0001_18.jpg'], door)).toMatchObject({
      decision: 'REFUSED',
      reason: 'presentation_attack',
    });
    // A live point out of (0, 1) is a typed error and nothing is saved.
    const bad = await client.gql(
      `mutation ($id: ID!) { updateDoor(id: $id, input: { settings: { livenessLivePoint: 1.5 } }) { __typename ... on Error { code } } }`,
      { id: door },
      admin,
    );
    expect(bad.body.data!.updateDoor).toMatchObject({ code: 'INVALID_INPUT' });
  }, 120_000);

  it('with the check off, the same printed photo reaches the face decision (and no score is recorded)', async () => {
    await client.gql(SETTINGS, { mode: 'OFF' }, admin);
    const result = await attempt('nuaa0001', ['spoof/nuaa0001_18.jpg']);
    expect(result.reason).not.toBe('presentation_attack');
    expect(result.event.livenessScore).toBeNull();
  });
});
