import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { encoderModelId, exactInt8, facesDir, hasFaces, headArtefact } from '@facegate/face-core';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { chooseEncoder } from '@facegate/api/models';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';
import { until } from './events-support.ts';

const seed = path.join(facesDir(), 'seed');
const photo = (name: string) => path.join(seed, `${name}.jpg`);
const camera = (n: number) => path.join(seed, `camera_${n}.jpg`);
const bin = fileURLToPath(new URL('../../apps/api/bin/facegate.js', import.meta.url));
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
const CREATE = `mutation ($n: String!) { createPerson(input: { name: $n }) { ... on MutationCreatePersonSuccess { data { id } } } }`;
const ENROLL = `mutation ($id: ID!, $images: [File!]!) { enrollFaces(personId: $id, images: $images) { ... on MutationEnrollFacesSuccess { data { rejected { code } } } } }`;
const VERIFY = `mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename ... on MutationVerifyFaceSuccess { data { decision distance } } ... on Error { code } } }`;
const ADD_HEAD = `mutation ($f: File!) { addModelHead(file: $f) { __typename ... on MutationAddModelHeadSuccess { data { id } } ... on Error { code message } } }`;
const CHANGE = `mutation ($h: ID) { changeActiveModel(headId: $h) { __typename ... on MutationChangeActiveModelSuccess { data { id status } } ... on Error { code message } } }`;

const FLOAT32 = encoderModelId('float32');
const INT8 = encoderModelId('int8');

const sqlite = databases().find((d) => d.name === 'SQLite')!;
const skip = !hasFaces('seed')
  ? `needs ${seed}`
  : !exactInt8()
    ? 'this CPU has no AVX-512 VNNI, where the int8 encoder does not run'
    : null;
describe.skipIf(skip !== null)(`the encoder a database keeps, and a move from float32 to int8${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  async function database() {
    const dir = await mkdtemp(path.join(tmpdir(), 'facegate-encoder-'));
    dirs.push(dir);
    const env = {
      DATABASE_URL: await sqlite.url(dir),
      FACEGATE_ADMIN_EMAIL: ADMIN.email,
      FACEGATE_ADMIN_PASSWORD: ADMIN.password,
      FACEGATE_RECOGNIZER_THREADS: '2',
      FACEGATE_DATA_KEY_FILE: path.join(dir, 'data.key'),
      FACEGATE_MODEL_POLL_MS: '50',
    };
    const start = async (precision?: 'float32' | 'int8') => {
      const app = await createApp(loadConfig({ ...env, ...(precision ? { FACEGATE_ENCODER_PRECISION: precision } : {}) }));
      // The tests send photo files, not camera frames: liveness off, as the README says such a door sets it.
      await app.services.updateSettings({ liveness: 'off' });
      return app;
    };
    return { env, start };
  }

  it("a new database starts in int8 on this CPU, unless asked for float32; one from before databases kept their encoder stays in its faces' encoder", async () => {
    const fresh = await database();
    let app = await fresh.start();
    expect(app.services.gallery.model).toBe(INT8);
    // The encoder is one per process: another database in float32 cannot open beside it.
    await expect((await database()).start('float32')).rejects.toThrow(
      /another app in this process runs the int8 encoder.*one encoder per process/,
    );
    await app.close();
    // Asked for float32 at its first start, a database keeps float32; enrolled, then its record erased (as
    // before databases kept one), it stays in float32: the encoder its faces are in.
    const old = await database();
    app = await old.start('float32');
    expect(app.services.gallery.model).toBe(FLOAT32);
    const person = await app.services.people.create({ name: 'younes' });
    expect(
      (await app.services.people.enroll(person.id, [{ filename: 'younes.jpg', bytes: new Uint8Array(await readFile(photo('younes'))) }]))
        .rejected,
    ).toEqual([]);
    await app.db.prisma.setting.delete({ where: { key: 'encoderModel' } });
    await app.close();
    app = await old.start();
    expect(app.services.gallery.model).toBe(FLOAT32);
    expect(await app.db.prisma.setting.findUnique({ where: { key: 'encoderModel' } })).toMatchObject({ value: FLOAT32 });
    await app.close();
  }, 120_000);

  it('a database from before with no face but a float32 head stays float32; an int8 one on a machine without int8 stops with the way out, which needs only the database', async () => {
    const { env, start } = await database();
    let app = await start('float32');
    const head = headArtefact(
      FLOAT32,
      Array.from({ length: 128 * 128 }, (_, i) => (i % 129 === 0 ? 1 : 0)),
      new Array(128).fill(0),
      { note: 'float32 head' },
    );
    await app.services.models.addHead(JSON.stringify(head));
    await app.services.models.requestChange(head.id, null);
    await until(
      'the head active',
      () => app.services.gallery.model,
      (m) => m === head.modelId,
      30_000,
    );
    // As a database from before databases kept their encoder: no face, an active float32 head, no record.
    await app.db.prisma.setting.delete({ where: { key: 'encoderModel' } });
    await app.close();
    app = await start();
    expect(app.services.gallery.model).toBe(head.modelId);
    expect(await app.db.prisma.setting.findUnique({ where: { key: 'encoderModel' } })).toMatchObject({ value: FLOAT32 });
    // Recorded in int8 (as by a move), then opened where int8 does not run: refused, with a way out that
    // does not need the API to start.
    await app.db.prisma.setting.update({ where: { key: 'encoderModel' }, data: { value: INT8 } });
    await expect(chooseEncoder(app.db.prisma, undefined, false)).rejects.toThrow(
      /not here: run it on such a machine, or move the database to float32 \(facegate models encoder float32 --drop-head\)/,
    );
    await app.db.prisma.setting.update({ where: { key: 'encoderModel' }, data: { value: FLOAT32 } });
    await app.close();
    const facegate = async (...args: string[]) =>
      (
        await promisify(execFile)(process.execPath, [bin, ...args], {
          env: { ...process.env, ...env, FACEGATE_ENCODER_PRECISION: '' },
          cwd: path.dirname(bin),
        })
      ).stdout;
    await expect(facegate('models', 'encoder', 'int8', '--json')).rejects.toThrow(/a head is the active model .* pass --drop-head/);
    expect(JSON.parse(await facegate('models', 'encoder', 'int8', '--drop-head', '--json'))).toEqual({
      from: FLOAT32,
      to: INT8,
      faces: 0,
      droppedHead: head.id,
    });
    app = await start();
    expect(app.services.gallery.model).toBe(INT8);
    await app.close();
  }, 120_000);

  it('two processes opening a new database together agree on one record', async () => {
    const { start } = await database();
    const app = await start('float32');
    await app.db.prisma.setting.delete({ where: { key: 'encoderModel' } });
    const chosen = await Promise.all([
      chooseEncoder(app.db.prisma, undefined, true),
      chooseEncoder(app.db.prisma, undefined, true),
      chooseEncoder(app.db.prisma, undefined, true),
    ]);
    expect(new Set(chosen).size).toBe(1);
    expect(await app.db.prisma.setting.count({ where: { key: 'encoderModel' } })).toBe(1);
    await app.close();
  }, 60_000);

  it('only `facegate models encoder` moves a database; its faces are then re-encoded, never compared across encoders; a head of the other encoder is refused', async () => {
    const { env, start } = await database();
    const facegate = async (...args: string[]) =>
      (
        await promisify(execFile)(process.execPath, [bin, ...args], {
          env: { ...process.env, ...env, FACEGATE_ENCODER_PRECISION: '' },
          cwd: path.dirname(bin),
        })
      ).stdout;
    const ids: Record<string, string> = {};
    let app: App = await start('float32');
    const client = () => apiClient(app);
    const signIn = () => client().login(ADMIN.email, ADMIN.password);
    let admin = await signIn();
    for (const name of ['younes', 'bertrand', 'kian']) {
      ids[name] = (await client().gql(CREATE, { n: name }, admin)).body.data!.createPerson.data.id;
      expect(
        (await client().upload(ENROLL, { id: ids[name], images: [null] }, { 'images.0': photo(name) }, admin)).body.data!.enrollFaces.data
          .rejected,
      ).toEqual([]);
    }
    const verify = async (claim: string, n: number) =>
      (await client().upload(VERIFY, { input: { personId: ids[claim], image: null } }, { 'input.image': camera(n) }, admin)).body.data!
        .verifyFace;
    const floatDecisions = [await verify('younes', 0), await verify('bertrand', 0)];
    expect(floatDecisions.map((d) => d.data.decision)).toEqual(['ACCEPTED', 'REFUSED']);
    // A head learned on float32 encodings, stored and made active while float32 is the encoder.
    const identity = headArtefact(
      FLOAT32,
      Array.from({ length: 128 * 128 }, (_, i) => (i % 129 === 0 ? 1 : 0)),
      new Array(128).fill(0),
      { note: 'float32 head' },
    );
    expect(
      (
        await client().upload(
          ADD_HEAD,
          { f: null },
          { f: { name: 'head.json', bytes: new TextEncoder().encode(JSON.stringify(identity)) } },
          admin,
        )
      ).body.data!.addModelHead.__typename,
    ).toBe('MutationAddModelHeadSuccess');
    expect((await client().gql(CHANGE, { h: identity.id }, admin)).body.data!.changeActiveModel.__typename).toBe(
      'MutationChangeActiveModelSuccess',
    );
    await until(
      'the head active',
      () => app.services.gallery.model,
      (m) => m.includes('+head-'),
      30_000,
    );
    await app.close();

    // Asked for int8, the start stops: it would re-encode everyone. Unset, it keeps float32.
    await expect(start('int8')).rejects.toThrow(/encoded with dlib-resnet-v1\+mirror.*asks for int8.*facegate models encoder int8/);
    app = await start();
    expect(app.services.gallery.model).toBe(identity.modelId);
    admin = await signIn();
    // The move refuses while a head is the active model.
    await expect(facegate('models', 'encoder', 'int8', '--json')).rejects.toThrow(/a head is the active model .* pass --drop-head/);
    expect((await client().gql(CHANGE, { h: null }, admin)).body.data!.changeActiveModel.__typename).toBe(
      'MutationChangeActiveModelSuccess',
    );
    await until(
      'the encoder alone active',
      () => app.services.gallery.model,
      (m) => m === FLOAT32,
      30_000,
    );
    // Moved while this float32 instance still runs: it refuses what it would run on the old encoder.
    const moved = await facegate('models', 'encoder', 'int8', '--json');
    expect(JSON.parse(moved)).toEqual({ from: FLOAT32, to: INT8, faces: 3, droppedHead: null });
    await expect(app.services.models.requestChange(identity.id, null)).rejects.toThrow(/moved to another encoder.*restart it first/);
    await app.close();
    await expect(start('float32')).rejects.toThrow(/encoded with dlib-resnet-v1-int8.*asks for float32/);

    // Restarted, it runs int8: the three faces are re-encoded from their photos, then recognised.
    app = await start();
    admin = await signIn();
    await until(
      'the three samples re-encoded into int8',
      () => app.db.prisma.sampleEncoding.count({ where: { model: INT8, source: 'original' } }),
      (n) => n === 3,
      60_000,
    );
    await until(
      "younes's gallery entry in int8",
      () => verify('younes', 0),
      (d) => d.data?.decision === 'ACCEPTED',
      30_000,
    );
    const intDecisions = [await verify('younes', 0), await verify('bertrand', 0)];
    expect(intDecisions.map((d) => d.data.decision)).toEqual(['ACCEPTED', 'REFUSED']);
    intDecisions.forEach((d, i) => {
      // Compared with int8 encodings (not float32's: the distance differs), of nearly the same faces.
      expect(d.data.distance).not.toBe(floatDecisions[i]!.data.distance);
      expect(Math.abs(d.data.distance - floatDecisions[i]!.data.distance)).toBeLessThan(0.05);
    });
    const last = await app.db.prisma.recognitionEvent.findFirst({ orderBy: { createdAt: 'desc' }, select: { model: true } });
    expect(last?.model).toBe(INT8);
    // The float32 head is still stored; it cannot become the active model of an int8 deployment.
    const refused = (await client().gql(CHANGE, { h: identity.id }, admin)).body.data!.changeActiveModel;
    expect(refused).toMatchObject({
      __typename: 'InvalidInputError',
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/trained on dlib-resnet-v1\+mirror/),
    });
    expect(app.services.gallery.model).toBe(INT8);
    await app.close();
  }, 240_000);
});
