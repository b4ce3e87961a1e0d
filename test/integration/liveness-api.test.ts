import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { apiClient } from './api-client.ts';

const pad = path.join(facesDir(), 'pad-dev');
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
const VERIFY = `mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename
  ... on MutationVerifyFaceSuccess { data { decision reason event { id reason livenessScore framesUsed } } } ... on Error { code } } }`;
const SETTINGS = `mutation ($mode: LivenessMode!) { updateSettings(input: { liveness: $mode }) { __typename } }`;

// The API with the presentation-attack check on and off. The committed liveness model was trained on
// all of pad-dev, so these are its training photos: this shows the decision's plumbing (a typed,
// audited refusal; the setting), not the check's accuracy (`facegate eval liveness` measures that).
describe.skipIf(!hasFaces('pad-dev'))(`a printed photo at the door (needs ${pad}; skipped when absent)`, () => {
  let app: App;
  let dir: string;
  let admin: string;
  let client: ReturnType<typeof apiClient>;
  const attempt = async (file: string) => (await client.upload(VERIFY, { input: { name: 'msu001', image: null } }, { 'input.image': path.join(pad, file) }, admin)).body.data!.verifyFace.data;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'facegate-liveness-'));
    app = await createApp(loadConfig({ DATABASE_URL: `file:${path.join(dir, 'facegate.db')}`, FACEGATE_ADMIN_EMAIL: ADMIN.email, FACEGATE_ADMIN_PASSWORD: ADMIN.password, FACEGATE_RECOGNIZER_THREADS: '1' }));
    client = apiClient(app);
    admin = (await client.gql(`mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { ... on MutationLoginSuccess { data { token } } } }`, { e: ADMIN.email, p: ADMIN.password })).body.data!.login.data.token;
    const person = await app.services.people.create({ name: 'msu001' });
    const { enrolled } = await app.services.people.enroll(person.id, [{ filename: 'live.jpg', bytes: new Uint8Array(await readFile(path.join(pad, 'live', 'msu001_01.jpg'))) }]);
    expect(enrolled).toHaveLength(1);
  });
  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a printed photo and a phone replay of an enrolled person as presentation attacks, by default, audited with the score', async () => {
    // On by default: nothing is set before the first attempt.
    expect((await client.gql(`{ settings { liveness } }`, {}, admin)).body.data!.settings).toEqual({ liveness: 'BALANCED' });
    for (const file of ['spoof/msu001_03.jpg', 'spoof/msu001_02.jpg']) {
      const result = await attempt(file);
      expect(result, file).toMatchObject({ decision: 'REFUSED', reason: 'presentation_attack' });
      const event = await app.db.prisma.recognitionEvent.findUniqueOrThrow({ where: { id: result.event.id } });
      expect(event).toMatchObject({ decision: 'refused', reason: 'presentation_attack', decidedPersonId: null });
      expect(event.livenessScore).toBeLessThan(0.5);
    }
    const live = await attempt('live/msu001_01.jpg');
    expect(live).toMatchObject({ decision: 'ACCEPTED', reason: 'match' });
    expect(live.event.livenessScore).toBeGreaterThan(0.5);
  });

  it('judges a burst by most of its frames: one live frame among prints does not open, one print among live frames does not refuse', async () => {
    const burst = async (files: string[]) =>
      (await client.upload(VERIFY, { input: { name: 'msu001', frames: files.map(() => null) } }, Object.fromEntries(files.map((f, i) => [`input.frames.${i}`, path.join(pad, f)])), admin)).body.data!.verifyFace.data;
    const prints = await burst(['spoof/msu001_03.jpg', 'live/msu001_01.jpg', 'spoof/msu001_02.jpg']);
    expect(prints).toMatchObject({ decision: 'REFUSED', reason: 'presentation_attack' });
    expect(prints.event.livenessScore).toBeLessThan(0.5);
    const live = await burst(['live/msu001_01.jpg', 'spoof/msu001_03.jpg', 'live/msu001_01.jpg']);
    expect(live).toMatchObject({ decision: 'ACCEPTED', reason: 'match' });
    expect(live.event.livenessScore).toBeGreaterThan(0.5);
    // The print is left out of the face compared: a lookalike flashing one print of the victim among
    // live frames of himself gets no help from it.
    expect(live.event.framesUsed).toBe(2);
  });

  it('with the check off, the same printed photo reaches the face decision (and no score is recorded)', async () => {
    await client.gql(SETTINGS, { mode: 'OFF' }, admin);
    const result = await attempt('spoof/msu001_03.jpg');
    expect(result.reason).not.toBe('presentation_attack');
    expect(result.event.livenessScore).toBeNull();
  });
});
