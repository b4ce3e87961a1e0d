import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { exactInt8, facesDir, hasFaces } from '@facegate/face-core';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';
import { until } from './events-support.ts';

const seed = path.join(facesDir(), 'seed');
const photo = (name: string) => path.join(seed, `${name}.jpg`);
const camera = (n: number) => path.join(seed, `camera_${n}.jpg`);
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
const LOGIN = `mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { ... on MutationLoginSuccess { data { token } } } }`;
const CREATE = `mutation ($n: String!) { createPerson(input: { name: $n }) { ... on MutationCreatePersonSuccess { data { id } } } }`;
const ENROLL = `mutation ($id: ID!, $images: [File!]!) { enrollFaces(personId: $id, images: $images) { ... on MutationEnrollFacesSuccess { data { rejected { code } } } } }`;
const VERIFY = `mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename ... on MutationVerifyFaceSuccess { data { decision distance } } ... on Error { code } } }`;

/** The API's modules loaded afresh with FACEGATE_ENCODER_PRECISION as given (face-core reads it once, at import). */
async function apiWith(precision: 'float32' | 'int8' | 'unset') {
  vi.stubEnv('FACEGATE_ENCODER_PRECISION', precision === 'unset' ? undefined : precision);
  vi.resetModules();
  const [{ createApp }, { loadConfig }, core] = await Promise.all([import('@facegate/api/app'), import('@facegate/api/config'), import('@facegate/face-core')]);
  return { createApp, loadConfig, modelId: core.ENCODER_MODEL_ID, core };
}

const sqlite = databases().find((d) => d.name === 'SQLite')!;
const skip = !hasFaces('seed') ? `needs ${seed}` : !exactInt8() ? 'this CPU has no VNNI, where the int8 encoder does not run' : null;
describe.skipIf(skip !== null)(`a deployment moved to the int8 encoder (FACEGATE_ENCODER_PRECISION)${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dir: string;
  afterAll(async () => {
    vi.unstubAllEnvs();
    vi.resetModules();
    await rm(dir, { recursive: true, force: true });
  });

  it('re-encodes the people enrolled in float32 from their photos, then recognises them; a process without the setting stops; an int8 start refuses a float32 head', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'facegate-int8-'));
    const url = await sqlite.url(dir);
    const env = { DATABASE_URL: url, FACEGATE_ADMIN_EMAIL: ADMIN.email, FACEGATE_ADMIN_PASSWORD: ADMIN.password, FACEGATE_RECOGNIZER_THREADS: '2', FACEGATE_DATA_KEY_FILE: path.join(dir, 'data.key'), FACEGATE_MODEL_POLL_MS: '50' };
    const ids: Record<string, string> = {};

    // Enrolled and recognised under float32 (the default: the variable unset).
    const before = await apiWith('unset');
    let app = await before.createApp(before.loadConfig(env));
    let admin = (await apiClient(app).gql(LOGIN, { e: ADMIN.email, p: ADMIN.password })).body.data!.login.data.token as string;
    for (const name of ['younes', 'bertrand', 'kian']) {
      ids[name] = (await apiClient(app).gql(CREATE, { n: name }, admin)).body.data!.createPerson.data.id;
      expect((await apiClient(app).upload(ENROLL, { id: ids[name], images: [null] }, { 'images.0': photo(name) }, admin)).body.data!.enrollFaces.data.rejected).toEqual([]);
    }
    const verify = async (claim: string, n: number) => (await apiClient(app).upload(VERIFY, { input: { personId: ids[claim], image: null } }, { 'input.image': camera(n) }, admin)).body.data!.verifyFace;
    const floatDecisions = [await verify('younes', 0), await verify('bertrand', 0)];
    expect(floatDecisions.map((d) => d.data.decision)).toEqual(['ACCEPTED', 'REFUSED']);
    await app.close();

    // Restarted on int8: the float32 encodings are not compared with int8 ones; the photos are re-encoded.
    const after = await apiWith('int8');
    expect(after.modelId).not.toBe(before.modelId);
    app = await after.createApp(after.loadConfig(env));
    admin = (await apiClient(app).gql(LOGIN, { e: ADMIN.email, p: ADMIN.password })).body.data!.login.data.token as string;
    await until('the three samples re-encoded into int8', () => app.db.prisma.sampleEncoding.count({ where: { model: after.modelId, source: 'original' } }), (n) => n === 3, 60_000);
    await until("younes's gallery entry in int8", () => verify('younes', 0), (d) => d.data?.decision === 'ACCEPTED', 30_000);
    const intDecisions = [await verify('younes', 0), await verify('bertrand', 0)];
    expect(intDecisions.map((d) => d.data.decision)).toEqual(['ACCEPTED', 'REFUSED']);
    // The same faces, nearly the same distances (float32 and int8 encodings differ by about 0.02).
    intDecisions.forEach((d, i) => expect(Math.abs(d.data.distance - floatDecisions[i]!.data.distance)).toBeLessThan(0.05));
    const attempts = await app.db.prisma.recognitionEvent.findMany({ orderBy: { createdAt: 'asc' }, select: { model: true } });
    expect(attempts.at(-1)?.model).toBe(after.modelId);

    // The database remembers int8: a process without the setting (another instance, a command) would
    // re-encode everyone into float32 and stops instead; one that sets float32 moves the deployment back.
    await app.close();
    const unset = await apiWith('unset');
    await expect(unset.createApp(unset.loadConfig(env))).rejects.toThrow(/encoded with dlib-resnet-v1-int8.*set FACEGATE_ENCODER_PRECISION to int8/);
    const back = await apiWith('float32');
    app = await back.createApp(back.loadConfig(env));
    expect(await app.db.prisma.setting.findUnique({ where: { key: 'encoderModel' } })).toMatchObject({ value: before.modelId });
    admin = (await apiClient(app).gql(LOGIN, { e: ADMIN.email, p: ADMIN.password })).body.data!.login.data.token as string;
    expect((await verify('younes', 0)).data.decision).toBe('ACCEPTED');
    await app.close();
    const again = await apiWith('int8');
    app = await again.createApp(again.loadConfig(env));

    // A head learned on float32 encodings, made active: the int8 start stops with the reason.
    const head = after.core.headArtefact(before.modelId, Array.from({ length: 128 * 128 }, (_, i) => (i % 129 === 0 ? 1 : 0)), new Array(128).fill(0), { note: 'float32 head' });
    await app.db.prisma.modelHead.create({ data: { id: head.id, modelId: head.modelId, encoderModelId: head.encoderModelId, artefact: JSON.stringify(head), source: 'test' } });
    await app.db.prisma.setting.upsert({ where: { key: 'activeModel' }, create: { key: 'activeModel', value: JSON.stringify({ model: head.modelId, headId: head.id }) }, update: { value: JSON.stringify({ model: head.modelId, headId: head.id }) } });
    await app.close();
    await expect(after.createApp(after.loadConfig(env))).rejects.toThrow(/trained on dlib-resnet-v1\+mirror.*FACEGATE_ENCODER_PRECISION/);
  }, 240_000);
});
