import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { exactInt8, facesDir, hasFaces } from '@facegate/face-core';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';
import { until } from './events-support.ts';

const seed = path.join(facesDir(), 'seed');
const photo = (name: string) => path.join(seed, `${name}.jpg`);
const camera = (n: number) => path.join(seed, `camera_${n}.jpg`);
const bin = fileURLToPath(new URL('../../apps/api/bin/facegate.js', import.meta.url));
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
const LOGIN = `mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { ... on MutationLoginSuccess { data { token } } } }`;
const CREATE = `mutation ($n: String!) { createPerson(input: { name: $n }) { ... on MutationCreatePersonSuccess { data { id } } } }`;
const ENROLL = `mutation ($id: ID!, $images: [File!]!) { enrollFaces(personId: $id, images: $images) { ... on MutationEnrollFacesSuccess { data { rejected { code } } } } }`;
const VERIFY = `mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename ... on MutationVerifyFaceSuccess { data { decision distance } } ... on Error { code } } }`;
const ADD_HEAD = `mutation ($f: File!) { addModelHead(file: $f) { __typename ... on MutationAddModelHeadSuccess { data { id } } ... on Error { code message } } }`;
const CHANGE = `mutation ($h: ID) { changeActiveModel(headId: $h) { __typename ... on MutationChangeActiveModelSuccess { data { id status } } ... on Error { code message } } }`;

/** The API's modules loaded afresh with FACEGATE_ENCODER_PRECISION as given (face-core reads it once, at import). */
async function apiWith(precision: 'float32' | 'int8' | 'unset') {
  vi.stubEnv('FACEGATE_ENCODER_PRECISION', precision === 'unset' ? undefined : precision);
  vi.resetModules();
  const [{ createApp }, { loadConfig }, core] = await Promise.all([import('@facegate/api/app'), import('@facegate/api/config'), import('@facegate/face-core')]);
  return { createApp, loadConfig, modelId: core.ENCODER_MODEL_ID, core };
}

const sqlite = databases().find((d) => d.name === 'SQLite')!;
const skip = !hasFaces('seed') ? `needs ${seed}` : !exactInt8() ? 'this CPU has no AVX-512 VNNI, where the int8 encoder does not run' : null;
describe.skipIf(skip !== null)(`a deployment moved from the float32 encoder to int8${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dir: string;
  afterAll(async () => {
    vi.unstubAllEnvs();
    vi.resetModules();
    await rm(dir, { recursive: true, force: true });
  });

  it('the database keeps its encoder; only `facegate models encoder` moves it; the faces are re-encoded, never compared across encoders; a head of the other encoder is refused', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'facegate-int8-'));
    const url = await sqlite.url(dir);
    const env = { DATABASE_URL: url, FACEGATE_ADMIN_EMAIL: ADMIN.email, FACEGATE_ADMIN_PASSWORD: ADMIN.password, FACEGATE_RECOGNIZER_THREADS: '2', FACEGATE_DATA_KEY_FILE: path.join(dir, 'data.key'), FACEGATE_MODEL_POLL_MS: '50' };
    const facegate = async (...args: string[]) => (await promisify(execFile)(process.execPath, [bin, ...args], { env: { ...process.env, ...env, FACEGATE_ENCODER_PRECISION: '' }, cwd: path.dirname(bin) })).stdout;
    const ids: Record<string, string> = {};

    // A new database takes the encoder of its first start: float32 (the variable unset).
    const before = await apiWith('unset');
    let app = await before.createApp(before.loadConfig(env));
    const client = () => apiClient(app);
    let admin = (await client().gql(LOGIN, { e: ADMIN.email, p: ADMIN.password })).body.data!.login.data.token as string;
    for (const name of ['younes', 'bertrand', 'kian']) {
      ids[name] = (await client().gql(CREATE, { n: name }, admin)).body.data!.createPerson.data.id;
      expect((await client().upload(ENROLL, { id: ids[name], images: [null] }, { 'images.0': photo(name) }, admin)).body.data!.enrollFaces.data.rejected).toEqual([]);
    }
    const verify = async (claim: string, n: number) => (await client().upload(VERIFY, { input: { personId: ids[claim], image: null } }, { 'input.image': camera(n) }, admin)).body.data!.verifyFace;
    const floatDecisions = [await verify('younes', 0), await verify('bertrand', 0)];
    expect(floatDecisions.map((d) => d.data.decision)).toEqual(['ACCEPTED', 'REFUSED']);
    expect(await app.db.prisma.setting.findUnique({ where: { key: 'encoderModel' } })).toMatchObject({ value: before.modelId });
    // A head learned on float32 encodings, stored and made active while float32 is the encoder.
    const identity = before.core.headArtefact(before.modelId, Array.from({ length: 128 * 128 }, (_, i) => (i % 129 === 0 ? 1 : 0)), new Array(128).fill(0), { note: 'float32 head' });
    const added = (await client().upload(ADD_HEAD, { f: null }, { f: { name: 'head.json', bytes: new TextEncoder().encode(JSON.stringify(identity)) } }, admin)).body.data!.addModelHead;
    expect(added.__typename).toBe('MutationAddModelHeadSuccess');
    expect((await client().gql(CHANGE, { h: identity.id }, admin)).body.data!.changeActiveModel.__typename).toBe('MutationChangeActiveModelSuccess');
    await until('the head active', () => app.services.gallery.model, (m) => m.includes('+head-'), 30_000);
    await app.close();

    // An int8 process on this database stops: it would re-encode everyone into its own model.
    const after = await apiWith('int8');
    expect(after.modelId).toMatch(/^dlib-resnet-v1-int8\.[0-9a-f]{8}\+mirror/);
    await expect(after.createApp(after.loadConfig(env))).rejects.toThrow(/encoded with dlib-resnet-v1\+mirror.*FACEGATE_ENCODER_PRECISION=float32.*facegate models encoder int8/);
    // The move itself refuses while a head is the active model.
    await expect(facegate('models', 'encoder', 'int8', '--json')).rejects.toThrow(/a head is the active model/);
    app = await before.createApp(before.loadConfig(env));
    admin = (await client().gql(LOGIN, { e: ADMIN.email, p: ADMIN.password })).body.data!.login.data.token as string;
    expect((await client().gql(CHANGE, { h: null }, admin)).body.data!.changeActiveModel.__typename).toBe('MutationChangeActiveModelSuccess');
    await until('the encoder alone active', () => app.services.gallery.model, (m) => m === before.modelId, 30_000);
    await app.close();
    expect(JSON.parse(await facegate('models', 'encoder', 'int8', '--json'))).toEqual({ from: before.modelId, to: after.modelId, faces: 3 });
    // Now a float32 process stops in turn.
    await expect(before.createApp(before.loadConfig(env))).rejects.toThrow(/encoded with dlib-resnet-v1-int8.*FACEGATE_ENCODER_PRECISION=int8/);

    // The int8 start re-encodes the three faces from their photos, then recognises them.
    app = await after.createApp(after.loadConfig(env));
    admin = (await client().gql(LOGIN, { e: ADMIN.email, p: ADMIN.password })).body.data!.login.data.token as string;
    await until('the three samples re-encoded into int8', () => app.db.prisma.sampleEncoding.count({ where: { model: after.modelId, source: 'original' } }), (n) => n === 3, 60_000);
    await until("younes's gallery entry in int8", () => verify('younes', 0), (d) => d.data?.decision === 'ACCEPTED', 30_000);
    const intDecisions = [await verify('younes', 0), await verify('bertrand', 0)];
    expect(intDecisions.map((d) => d.data.decision)).toEqual(['ACCEPTED', 'REFUSED']);
    intDecisions.forEach((d, i) => {
      // Compared with int8 encodings (not float32's: the distance differs), of nearly the same faces.
      expect(d.data.distance).not.toBe(floatDecisions[i]!.data.distance);
      expect(Math.abs(d.data.distance - floatDecisions[i]!.data.distance)).toBeLessThan(0.05);
    });
    const last = await app.db.prisma.recognitionEvent.findFirst({ orderBy: { createdAt: 'desc' }, select: { model: true } });
    expect(last?.model).toBe(after.modelId);
    // The float32 head is still stored; it cannot become the active model of an int8 deployment.
    const refused = (await client().gql(CHANGE, { h: identity.id }, admin)).body.data!.changeActiveModel;
    expect(refused).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT', message: expect.stringMatching(/trained on dlib-resnet-v1\+mirror/) });
    expect(app.services.gallery.model).toBe(after.modelId);
    await app.close();
  }, 240_000);
});
