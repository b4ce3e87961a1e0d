import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, copyFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { createApp } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { createLogger, startHttpServer, type HttpServer } from '@facegate/api/ops';
import {
  createDoorClient,
  DoorRequestError,
  FacegateGraphQLError,
  unwrap,
  type DoorAnswer,
  type DoorClient,
  type DoorEvent,
} from '@facegate/client';
import { apiClient } from './api-client.ts';

// The door integrators' kit against a real API over HTTP: @facegate/client (multipart uploads, the PIN
// step-up, typed error results, the live event stream over SSE) and the facegate-door command.
// SQLite only: the client sees the same GraphQL whatever the database (access-policy.test.ts runs both).
const seed = path.join(facesDir(), 'seed');
const photo = (name: string) => path.join(seed, `${name}.jpg`);
const camera = (n: number) => path.join(seed, `camera_${n}.jpg`);
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
const PIN = '4826';
const doorBin = fileURLToPath(new URL('../../packages/client/bin/facegate-door.js', import.meta.url));
// The installed `facegate` command (apps/api's bin) dispatches `facegate door` to the same command.
const facegateBin = fileURLToPath(new URL('../../apps/api/bin/facegate.js', import.meta.url));
const frame = async (file: string) => new File([new Uint8Array(await readFile(file))], path.basename(file));

function decided(answer: DoorAnswer) {
  if (!answer.ok) throw new Error(`expected a decision, got ${answer.error.__typename} ${answer.error.code}: ${answer.error.message}`);
  return answer.result;
}

/** Runs facegate-door; resolves with its exit code and output whatever the code. */
function door(args: string[], env: Record<string, string> = {}, bin = doorBin) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

describe.skipIf(!hasFaces('seed'))(`door integrators' kit over HTTP (needs ${seed})`, () => {
  let dir: string;
  let http: HttpServer;
  let url: string;
  const doors: Record<string, string> = {};
  const keys: Record<string, string> = {};
  let lobby: DoorClient;
  let serverRoom: DoorClient;
  let asAdmin: (query: string, variables?: Record<string, unknown>) => Promise<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'facegate-door-'));
    const config = loadConfig({
      DATABASE_URL: `file:${path.join(dir, 'facegate.db')}`,
      FACEGATE_ADMIN_EMAIL: ADMIN.email,
      FACEGATE_ADMIN_PASSWORD: ADMIN.password,
      FACEGATE_RECOGNIZER_THREADS: '1',
    });
    const logger = createLogger({ level: 'warn' });
    http = startHttpServer({ host: '127.0.0.1', port: 0, logger }, async () => {
      const app = await createApp(config, { logger });
      // The tests send photo files, not camera frames: liveness off, as the README says such a door sets it.
      await app.services.updateSettings({ liveness: 'off' });
      return app;
    });
    url = `http://127.0.0.1:${await http.listening}/graphql`;
    const deadline = Date.now() + 240_000;
    while ((await fetch(new URL('/readyz', url))).status !== 200) {
      if (Date.now() > deadline) throw new Error('the API did not become ready');
      await promisify(setTimeout)(200);
    }
    // The administrator's set-up goes in process (as in the other tests); the door goes over HTTP.
    const admin = apiClient(http.app()!);
    const gql = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
      const { body } = await admin.gql(query, variables, token);
      expect(body.errors).toBeUndefined();
      return body.data!;
    };
    const token = await admin.login(ADMIN.email, ADMIN.password);
    for (const name of ['younes', 'bertrand', 'kian']) {
      const id = (
        await gql(
          `mutation ($n: String!) { createPerson(input: { name: $n, cardId: "${name.length}042" }) { ... on MutationCreatePersonSuccess { data { id } } } }`,
          { n: name },
          token,
        )
      ).createPerson.data.id as string;
      const enrolled = await admin.upload(
        `mutation ($id: ID!, $images: [File!]!) { enrollFaces(personId: $id, images: $images) { ... on MutationEnrollFacesSuccess { data { rejected { code } } } } }`,
        { id, images: [null] },
        { 'images.0': photo(name) },
        token,
      );
      expect(enrolled.body.data!.enrollFaces.data.rejected).toEqual([]);
      if (name === 'younes')
        await gql(
          `mutation ($p: ID!) { setPersonPin(personId: $p, pin: "${PIN}") { ... on MutationSetPersonPinSuccess { data } } }`,
          { p: id },
          token,
        );
    }
    for (const name of ['lobby', 'server-room']) {
      doors[name] = (
        await gql(
          `mutation ($n: String!) { createDoor(name: $n) { ... on MutationCreateDoorSuccess { data { id } } } }`,
          { n: name },
          token,
        )
      ).createDoor.data.id;
      // A door that also watches its events needs audit:read.
      keys[name] = (
        await gql(
          `mutation ($d: ID) { createApiKey(name: "door", scopes: [VERIFY, IDENTIFY, AUDIT_READ], doorId: $d) { ... on MutationCreateApiKeySuccess { data { token } } } }`,
          { d: doors[name] },
          token,
        )
      ).createApiKey.data.token;
    }
    asAdmin = (query, variables = {}) => gql(query, variables, token);
    keys.plain = (
      await gql(
        `mutation ($d: ID) { createApiKey(name: "door", scopes: [VERIFY, IDENTIFY], doorId: $d) { ... on MutationCreateApiKeySuccess { data { token } } } }`,
        { d: doors.lobby },
        token,
      )
    ).createApiKey.data.token;
    await gql(
      `mutation ($id: ID!) { updateDoor(id: $id, input: { settings: { requirePin: true } }) { ... on MutationUpdateDoorSuccess { data { id } } } }`,
      { id: doors['server-room'] },
      token,
    );
    lobby = createDoorClient({ url, key: keys.lobby! });
    serverRoom = createDoorClient({ url, key: keys['server-room']! });
  }, 600_000);
  afterAll(async () => {
    await http?.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  it('verifies, identifies a burst, refuses, completes a step-up with the PIN, and streams every attempt as an event', async () => {
    const stop = new AbortController();
    const watched = lobby.recognitionEvents(null, stop.signal);
    await watched.ready;
    const seen: DoorEvent[] = [];
    const collecting = (async () => {
      for await (const event of watched.events) seen.push(event);
    })();

    const accepted = decided(await lobby.verifyFace({ name: 'younes' }, await frame(camera(0))));
    expect(accepted).toMatchObject({ decision: 'ACCEPTED', accepted: true, reason: 'match', person: { name: 'younes' }, framesUsed: 1 });
    const byCard = decided(await lobby.verifyFace({ cardId: '8042' }, await frame(camera(1))));
    expect(byCard).toMatchObject({ decision: 'ACCEPTED', person: { name: 'bertrand' } });
    // A burst: two frames of one attempt, sent as `frames` and fused.
    const burst = decided(await lobby.identifyFace([await frame(camera(0)), new Uint8Array(await readFile(photo('younes')))]));
    expect(burst).toMatchObject({ decision: 'ACCEPTED', person: { name: 'younes' }, framesUsed: 2 });
    // Bertrand's face claiming to be younes: refused, naming nobody.
    const refused = decided(await lobby.verifyFace({ name: 'younes' }, await frame(camera(1))));
    expect(refused).toMatchObject({ decision: 'REFUSED', accepted: false, person: null });

    const asked = decided(await serverRoom.verifyFace({ name: 'younes' }, await frame(camera(0))));
    expect(asked).toMatchObject({ decision: 'STEP_UP', stepUpReason: 'pin_required', pinTriesLeft: 3, person: null });
    expect(Date.parse(asked.stepUpExpiresAt!)).toBeGreaterThan(Date.now());
    expect(decided(await serverRoom.completeStepUp(asked.attemptId, '1111'))).toMatchObject({ decision: 'STEP_UP', pinTriesLeft: 2 });
    const opened = decided(await serverRoom.completeStepUp(asked.attemptId, PIN));
    expect(opened).toMatchObject({ decision: 'ACCEPTED', reason: 'pin_ok', attemptId: asked.attemptId, person: { name: 'younes' } });

    // Each attempt arrives as it happens; the step-up is one event, sent again as each PIN is tried.
    const expected = [accepted, byCard, burst, refused].map((r) => [r.attemptId, r.decision]);
    const deadline = Date.now() + 10_000;
    while (!seen.some((e) => e.decision === 'ACCEPTED' && e.id === asked.attemptId) && Date.now() < deadline)
      await promisify(setTimeout)(50);
    stop.abort();
    await collecting;
    expect(seen.slice(0, 4).map((e) => [e.id, e.decision])).toEqual(expected);
    expect(seen.slice(4).map((e) => [e.id, e.decision, e.reason, e.pinTries, e.door?.name])).toEqual([
      [asked.attemptId, 'STEP_UP', 'pin_required', 0, 'server-room'],
      [asked.attemptId, 'STEP_UP', 'pin_required', 1, 'server-room'],
      [asked.attemptId, 'ACCEPTED', 'pin_ok', 2, 'server-room'],
    ]);
    expect(seen[0]).toMatchObject({ kind: 'VERIFY', reason: 'match', decidedLabel: 'younes', door: { name: 'lobby' } });
  });

  it('answers expected failures as typed results, and throws them with unwrap', async () => {
    const blank = new Uint8Array(
      await sharp({ create: { width: 320, height: 240, channels: 3, background: '#808080' } })
        .jpeg()
        .toBuffer(),
    );
    const noFace = await lobby.identifyFace(blank);
    expect(noFace).toMatchObject({ ok: false, error: { __typename: 'FaceRejectedError', code: 'NO_FACE' } });
    const thrown = (() => {
      try {
        unwrap(noFace);
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toBeInstanceOf(DoorRequestError);
    expect(thrown).toMatchObject({ type: 'FaceRejectedError', code: 'NO_FACE', retryAfterSeconds: null });

    const stranger = createDoorClient({ url, key: 'fg_not_a_key' });
    expect(await stranger.verifyFace({ name: 'younes' }, await frame(camera(0)))).toMatchObject({
      ok: false,
      error: { __typename: 'UnauthorizedError' },
    });
    // An attempt already completed (or another door's) cannot be completed.
    expect(await lobby.completeStepUp('no-such-attempt', PIN)).toMatchObject({ ok: false });

    await expect(lobby.identifyFace([])).rejects.toThrow(RangeError);

    // One attempt a minute: the second is RATE_LIMITED with the seconds to wait, typed.
    const limit = (n: number) =>
      asAdmin(
        `mutation ($n: Int!) { updateSettings(input: { rateLimitPerMinute: $n }) { ... on MutationUpdateSettingsSuccess { data { rateLimitPerMinute } } } }`,
        { n },
      );
    await limit(1);
    try {
      decided(await lobby.identifyFace(await frame(camera(0))));
      const limited = await lobby.identifyFace(await frame(camera(0)));
      expect(limited).toMatchObject({ ok: false, error: { __typename: 'RateLimitedError', code: 'RATE_LIMITED' } });
      const wait = (() => {
        try {
          unwrap(limited);
        } catch (error) {
          return (error as DoorRequestError).retryAfterSeconds;
        }
      })();
      expect(wait).toBeGreaterThanOrEqual(1);
    } finally {
      await limit(600);
    }

    // Watching needs audit:read: the API refuses the subscription itself, before any event happens.
    const blind = createDoorClient({ url, key: keys.plain! }).recognitionEvents();
    await expect((async () => (await blind.ready, await blind.events.next()))()).rejects.toBeInstanceOf(FacegateGraphQLError);
  });

  it('facegate-door (and facegate door) plays the door: a decision, a step-up with --pin, a refusal, a burst folder, and --watch', async () => {
    const env = { FACEGATE_KEY: keys.lobby! };
    const ok = await door(['--url', url, '--claim', 'younes', camera(0), '--json'], env);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, decision: 'ACCEPTED', result: { person: { name: 'younes' } } });

    const viaFacegate = await door(['door', '--url', url, '--claim', 'younes', camera(0), '--json'], env, facegateBin);
    expect(viaFacegate.code).toBe(0);
    expect(JSON.parse(viaFacegate.stdout)).toMatchObject({ decision: 'ACCEPTED', result: { person: { name: 'younes' } } });

    const human = await door(['--url', url, '--card', '8042', camera(1)], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^ACCEPTED\s+bertrand \(match, distance 0\.\d+, threshold 0\.\d+, 1 frame\): open the door\n$/);

    // A key without audit:read (most doors) reads no score and a coarse reason: the command still decides.
    const coarse = await door(['--url', url, '--key', keys.plain!, '--card', '8042', camera(1)]);
    expect(coarse.code).toBe(0);
    expect(coarse.stdout).toBe('ACCEPTED  bertrand (accepted): open the door\n');
    const shut = await door(['--url', url, '--key', keys.plain!, '--claim', 'younes', camera(1)]);
    expect(shut.code).toBe(3);
    expect(shut.stdout).toBe('REFUSED   refused: the door stays shut\n');

    const no = await door(['--url', url, '--claim', 'younes', camera(1), '--json'], env);
    expect(no.code).toBe(3);
    expect(JSON.parse(no.stdout)).toMatchObject({ ok: true, decision: 'REFUSED', result: { person: null } });

    // The first frames of a folder (by name) are one burst.
    const folder = path.join(dir, 'burst');
    await mkdir(folder);
    await copyFile(camera(0), path.join(folder, 'frame-1.jpg'));
    await copyFile(photo('younes'), path.join(folder, 'frame-2.jpg'));
    const burst = await door(['--url', url, folder, '--json'], env);
    expect(JSON.parse(burst.stdout)).toMatchObject({ decision: 'ACCEPTED', result: { framesUsed: 2, person: { name: 'younes' } } });

    const stepUp = await door(['--url', url, '--key', keys['server-room']!, '--claim', 'younes', camera(0), '--pin', PIN]);
    expect(stepUp.code).toBe(0);
    expect(stepUp.stdout).toMatch(/^STEP_UP\s+pin_required: .*3 tries left.*\nACCEPTED\s+younes \(pin_ok/);

    const wrong = await door(['--url', url, '--key', keys['server-room']!, '--claim', 'younes', camera(0), '--pin', '9999', '--json']);
    expect(wrong.code).toBe(3);
    expect(JSON.parse(wrong.stdout)).toMatchObject({
      ok: true,
      decision: 'STEP_UP',
      result: { pinTriesLeft: 2 },
      attempt: { decision: 'STEP_UP', pinTriesLeft: 3 },
    });

    // --watch prints the door's own attempt as an event, then stops after --events.
    const watched = await door(['--url', url, '--claim', 'younes', camera(0), '--watch', '--events', '1', '--json'], env);
    expect(watched.code).toBe(0);
    const [decision, event] = watched.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(event.event).toMatchObject({ id: decision.result.attemptId, decision: 'ACCEPTED', decidedLabel: 'younes' });

    // At a terminal it asks for the PIN, without echo, until the attempt ends (through a pty: script(1)).
    const typed = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const quoted = [process.execPath, doorBin, '--url', url, '--claim', 'younes', camera(0)].map((a) => `'${a}'`).join(' ');
      const child = spawn('script', ['-qfec', quoted, '/dev/null'], { env: { ...process.env, FACEGATE_KEY: keys['server-room']! } });
      let out = '';
      const pins = ['1111', PIN];
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const prompts = out.split('PIN for attempt').length - 1;
        if (prompts > 2 - pins.length) child.stdin.write(`${pins.shift()}\r`);
      });
      const timer = setTimeout(() => child.kill(), 60_000);
      child.on('close', (code) => (clearTimeout(timer), resolve({ code, out })));
    });
    expect(typed.code).toBe(0);
    expect(typed.out).toMatch(
      /STEP_UP\s+pin_required: .*3 tries left[^]*PIN for attempt[^]*STEP_UP\s+pin_required: .*2 tries left[^]*PIN for attempt[^]*ACCEPTED\s+younes \(pin_ok/,
    );
    // An echo would follow the prompt (ids and times may contain the same digits by chance).
    expect(typed.out).not.toMatch(/PIN for attempt \w+: *\S/);
    expect(typed.out).not.toMatch(new RegExp(`(^|\\s)(1111|${PIN})(\\s|$)`));

    const refusedWatch = await door(['--url', url, '--watch'], { FACEGATE_KEY: keys.plain! });
    expect(refusedWatch.code).toBe(1);
    expect(refusedWatch.stderr).toMatch(/^error: --watch needs a key with audit:read/);
    // A key the API does not know is the installer's error (1), not a refusal of the face (3).
    const unknownKey = await door(['--url', url, '--claim', 'younes', camera(0)], { FACEGATE_KEY: 'fg_not_a_key' });
    expect(unknownKey.code).toBe(1);
    expect(unknownKey.stderr).toMatch(/^error: UNAUTHORIZED: .*check the key/m);
    const bad = await door(['--url', url, '--claim', 'younes', '--card', '1', camera(0)], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/one of --claim, --card or --person/);
  });
});
