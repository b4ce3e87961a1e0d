import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { createApp } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { createLogger, startHttpServer, type HttpServer } from '@facegate/api/ops';
import { hasFfmpeg } from '@facegate/client/camera';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';
import { until } from './events-support.ts';
import { freePort } from './free-port.ts';

// `facegate camera` against a real API: ffmpeg serves a video made of pad-dev's photos on loopback
// (an enrolled person's other live frames, a stranger, then a printed photo of the enrolled person),
// and the bridge reads it as an IP camera would be read. Liveness stays on (BALANCED) at a door
// calibrated for this camera (NUAA's webcam scores live faces 0.35-0.73, uncertain at the shipped
// points; docs/liveness.md): the print (0.02) is refused as a presentation attack all the same.
const pad = path.join(facesDir(), 'pad-dev');
const BROKER = process.env.TEST_MQTT_URL;
const skip = !hasFfmpeg()
  ? 'ffmpeg is not installed (scripts/provision.sh installs it)'
  : !hasFaces('pad-dev')
    ? `needs ${pad}`
    : !BROKER
      ? 'TEST_MQTT_URL is not set (a mosquitto)'
      : null;
const bin = fileURLToPath(new URL('../../apps/api/bin/facegate.js', import.meta.url));
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
/** The door's live point after calibration: between the attack point (0.13) and NUAA's live scores. */
const LIVE_POINT = 0.3;
const FPS = 10;
const W = 320;
const H = 240;

const live = (subject: string, n: number) => path.join(pad, 'live', `${subject}_${String(n).padStart(2, '0')}.jpg`);
const print = (n: number) => path.join(pad, 'spoof', `nuaa0001_${n}.jpg`);
type Shot = { file: string | null; seconds: number; scale?: number };
const blank = (seconds: number): Shot => ({ file: null, seconds });
/** A person walking up: the face grows from 70 % of the frame's height, then stays, a new webcam frame every 0.3 s. */
const visit = (files: string[]): Shot[] => files.map((file, i) => ({ file, seconds: 0.3, scale: Math.min(1, 0.7 + 0.1 * i) }));

/** Renders the shots at FPS on a grey 320x240 canvas and encodes them as MJPEG (what many IP cameras send). */
async function makeVideo(dir: string, name: string, shots: Shot[]): Promise<string> {
  const frames = path.join(dir, name);
  await mkdir(frames, { recursive: true });
  let n = 0;
  for (const shot of shots) {
    const canvas = sharp({ create: { width: W, height: H, channels: 3, background: { r: 110, g: 110, b: 110 } } });
    let png: Buffer;
    if (shot.file) {
      const side = Math.round(H * (shot.scale ?? 1));
      const face = await sharp(shot.file).resize(side, side).toBuffer();
      png = await canvas
        .composite([{ input: face, left: Math.round((W - side) / 2), top: Math.round((H - side) / 2) }])
        .png()
        .toBuffer();
    } else png = await canvas.png().toBuffer();
    for (let i = 0; i < Math.round(shot.seconds * FPS); i++)
      await writeFile(path.join(frames, `f${String(n++).padStart(5, '0')}.png`), png);
  }
  const out = path.join(dir, `${name}.mkv`);
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-framerate',
    String(FPS),
    '-i',
    path.join(frames, 'f%05d.png'),
    '-c:v',
    'mjpeg',
    '-q:v',
    '2',
    '-pix_fmt',
    'yuvj420p',
    out,
  ]);
  return out;
}

/** ffmpeg as an MJPEG-over-HTTP camera on loopback: one client, the video at its own pace. */
function serve(video: string, url: string): ChildProcess {
  return spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-i', video, '-c:v', 'copy', '-f', 'mpjpeg', '-listen', '1', url], {
    stdio: 'ignore',
  });
}

interface Line {
  event: string;
  [key: string]: unknown;
}

/** Runs the bridge; its JSON lines are collected as they come. */
function bridge(args: string[], env: Record<string, string>) {
  const lines: Line[] = [];
  let stderr = '';
  let buffer = '';
  const child = spawn(process.execPath, [bin, 'camera', '--json', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    for (const part of parts) if (part.trim()) lines.push(JSON.parse(part) as Line);
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exited, stderr: () => stderr, attempts: () => lines.filter((l) => l.event === 'attempt') };
}

const reconnects = async (port: number) => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(/^facegate_camera_reconnects_total (\d+)/m.exec(text)?.[1] ?? NaN);
};

/** The processes running `ffmpeg` with this argument (the bridge's child, found by its unique URL). */
const ffmpegsWith = (arg: string) =>
  execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.startsWith('ffmpeg') && l.includes(arg) && !l.includes('-listen'));

for (const db of databases()) {
  describe.skipIf(skip !== null || db.skip !== null)(
    `facegate camera on ${db.name} (${skip ?? db.skip ?? 'ffmpeg, pad-dev and a broker present'})`,
    () => {
      let dir: string;
      let http: HttpServer;
      let url: string;
      let doorId: string;
      let key: string;
      let subscriber: MqttClient;
      const opened: { topic: string; body: Record<string, unknown> }[] = [];
      const topic = `facegate-test/camera-${process.pid}-${Date.now()}-${db.name}`;
      const eventsOfDoor = () => http.app()!.db.prisma.recognitionEvent.findMany({ where: { doorId }, orderBy: { createdAt: 'asc' } });

      beforeAll(async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'facegate-camera-'));
        const config = loadConfig({
          DATABASE_URL: await db.url(dir),
          FACEGATE_ADMIN_EMAIL: ADMIN.email,
          FACEGATE_ADMIN_PASSWORD: ADMIN.password,
          FACEGATE_RECOGNIZER_THREADS: '1',
        });
        http = startHttpServer({ host: '127.0.0.1', port: 0, logger: createLogger({ level: 'warn' }) }, () =>
          createApp(config, { logger: createLogger({ level: 'warn' }) }),
        );
        url = `http://127.0.0.1:${await http.listening}/graphql`;
        await until(
          'the API to be ready',
          async () => (await fetch(new URL('/readyz', url))).status,
          (s) => s === 200,
          240_000,
        );
        const admin = apiClient(http.app()!);
        const gql = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
          const { body } = await admin.gql(query, variables, token);
          expect(body.errors).toBeUndefined();
          return body.data!;
        };
        const token = await admin.login(ADMIN.email, ADMIN.password);
        expect((await gql(`{ settings { liveness } }`, {}, token)).settings.liveness).toBe('BALANCED');
        // Enrolled from one live frame each; the camera shows nuaa0001's other frames. The stranger is
        // nuaa0006: NUAA's subjects sit close to one another on its webcam (nuaa0002 and nuaa0004 come
        // within the threshold of nuaa0001 or nuaa0003), which is the engine's business, not the bridge's.
        for (const [name, file, cardId] of [
          ['nuaa0001', live('nuaa0001', 1), '1001'],
          ['msu001', path.join(pad, 'live', 'msu001_01.jpg'), '1002'],
        ] as const) {
          const person = await http.app()!.services.people.create({ name, cardId });
          const { enrolled } = await http
            .app()!
            .services.people.enroll(person.id, [{ filename: 'live.jpg', bytes: new Uint8Array(await readFile(file)) }]);
          expect(enrolled).toHaveLength(1);
        }
        doorId = (await gql(`mutation { createDoor(name: "camera door") { ... on MutationCreateDoorSuccess { data { id } } } }`, {}, token))
          .createDoor.data.id;
        const set = await gql(
          `mutation ($id: ID!, $p: Float!) { updateDoor(id: $id, input: { settings: { livenessLivePoint: $p } }, confirmLargeChange: true) { __typename } }`,
          { id: doorId, p: LIVE_POINT },
          token,
        );
        expect(set.updateDoor.__typename).toBe('MutationUpdateDoorSuccess');
        key = (
          await gql(
            `mutation ($d: ID) { createApiKey(name: "camera", scopes: [VERIFY, IDENTIFY], doorId: $d) { ... on MutationCreateApiKeySuccess { data { token } } } }`,
            { d: doorId },
            token,
          )
        ).createApiKey.data.token;
        subscriber = await mqtt.connectAsync(BROKER!, { reconnectPeriod: 0 });
        subscriber.on('message', (t, payload) =>
          opened.push({ topic: t, body: JSON.parse(payload.toString()) as Record<string, unknown> }),
        );
        await subscriber.subscribeAsync(topic, { qos: 1 });
      }, 600_000);
      afterAll(async () => {
        await subscriber?.endAsync();
        await http?.close().catch(() => {});
        await db.drop?.();
        if (dir) await rm(dir, { recursive: true, force: true });
      });

      it('opens for the enrolled person only, refuses a stranger and a print, audits each attempt once, and reconnects when the stream drops', async () => {
        const before = await makeVideo(dir, 'before', [
          blank(1),
          ...visit([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13].map((n) => live('nuaa0001', n))),
          blank(30),
        ]);
        const after = await makeVideo(dir, 'after', [
          blank(1),
          ...visit([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((n) => live('nuaa0006', n))),
          blank(3),
          ...visit([18, 19, 20, 18, 19, 20, 18, 19, 20, 18, 19, 20].map(print)),
          blank(3),
        ]);
        const camera = `http://127.0.0.1:${await freePort()}/camera-${db.name}.mjpg`;
        const metricsPort = await freePort();
        let server = serve(before, camera);
        await promisify(setTimeout)(500);
        const run = bridge(
          [
            camera,
            '--url',
            url,
            '--mqtt',
            BROKER!,
            '--open-mqtt-topic',
            topic,
            '--metrics-port',
            String(metricsPort),
            '--backoff-max',
            '2',
          ],
          { FACEGATE_KEY: key },
        );
        try {
          // The enrolled person walks up: the door opens once.
          await until(
            'the first attempt',
            () => run.attempts().length,
            (n) => n >= 1,
            240_000,
          ).catch((e: Error) => {
            throw new Error(`${e.message}\n${run.stderr()}\n${JSON.stringify(run.lines)}`);
          });
          await until(
            'the door to open',
            () => opened.length,
            (n) => n >= 1,
            30_000,
          );
          const reconnectsBefore = await reconnects(metricsPort);
          // The camera drops mid-stream and comes back a second later with the stranger and the print.
          server.kill('SIGKILL');
          await promisify(setTimeout)(1000);
          server = serve(after, camera);
          await until(
            'three attempts',
            () => run.attempts().length,
            (n) => n >= 3,
            120_000,
          );
          // The rest of the stream is blank: nothing more is sent.
          await promisify(setTimeout)(4000);
          expect(await reconnects(metricsPort)).toBeGreaterThan(reconnectsBefore);
          expect(run.lines.filter((l) => l.event === 'stream' && l.state === 'down').length).toBeGreaterThanOrEqual(1);

          const attempts = run.attempts();
          expect(attempts.map((a) => [a.decision, a.person])).toEqual([
            ['ACCEPTED', 'nuaa0001'],
            ['REFUSED', null],
            ['REFUSED', null],
          ]);
          expect(attempts.every((a) => a.mode === 'identify' && (a.frames as number) >= 1 && (a.frames as number) <= 3)).toBe(true);
          // Exactly one opening, for the accepted attempt.
          expect(opened).toEqual([{ topic, body: expect.objectContaining({ person: 'nuaa0001', attemptId: attempts[0]!.attemptId }) }]);
          // One audit event per attempt sent, no more: the visit is decided once however long it lasts.
          const events = await eventsOfDoor();
          expect(events.map((e) => e.id)).toEqual(attempts.map((a) => a.attemptId));
          console.log(
            `camera bridge (${db.name}): ${events.map((e) => `${e.decision}/${e.reason} liveness ${e.livenessScore?.toFixed(3)}`).join(', ')}; face to decision ${attempts.map((a) => a.latencyMs).join(', ')} ms`,
          );
          // The print is refused by the liveness check, before any comparison.
          expect(events.map((e) => [e.decision, e.reason])).toEqual([
            ['accepted', 'match'],
            ['refused', 'not_in_database'],
            ['refused', 'presentation_attack'],
          ]);
        } finally {
          server.kill('SIGKILL');
          run.child.kill('SIGTERM');
        }
        // SIGTERM: the bridge stops its ffmpeg and exits cleanly.
        expect(await run.exited).toBe(0);
        expect(ffmpegsWith(camera)).toEqual([]);
      }, 600_000);

      it('at a card-only door, waits for a card; a refused card does not open, the right card swiped again does', async () => {
        const video = await makeVideo(dir, 'card', [
          blank(1),
          ...visit(Array.from({ length: 40 }, (_, i) => live('nuaa0001', 2 + (i % 12)))),
          blank(1),
        ]);
        const cardPort = await freePort();
        const eventsBefore = (await eventsOfDoor()).length;
        const run = bridge([video, '--url', url, '--require-card', '--card-port', String(cardPort)], { FACEGATE_KEY: key });
        const swipe = (cardId: string) => fetch(`http://127.0.0.1:${cardPort}/card`, { method: 'POST', body: cardId });
        try {
          await until('the stream', () => run.lines.some((l) => l.event === 'stream' && l.state === 'up'), Boolean, 240_000);
          await promisify(setTimeout)(3000);
          // The face is there, but no card: nothing is sent.
          expect(run.attempts()).toEqual([]);
          expect((await swipe('  ')).status).toBe(400);
          // msu001's card in nuaa0001's hand: refused, and the door stays shut while the same face stays.
          expect((await swipe('1002')).status).toBe(204);
          await until(
            'the first attempt',
            () => run.attempts().length,
            (n) => n >= 1,
            60_000,
          );
          await promisify(setTimeout)(1500);
          expect(run.attempts()).toHaveLength(1);
          expect((await swipe(JSON.stringify({ cardId: '1001' }))).status).toBe(204);
          await until(
            'the second attempt',
            () => run.attempts().length,
            (n) => n >= 2,
            60_000,
          );
        } finally {
          run.child.kill('SIGTERM');
        }
        expect(await run.exited).toBe(0);
        const events = (await eventsOfDoor()).slice(eventsBefore);
        console.log(`camera bridge (${db.name}, cards): ${events.map((e) => `${e.kind} ${e.decision}/${e.reason}`).join(', ')}`);
        // The wrong card is not accepted (refused, or asked for a PIN the bridge has no keypad for).
        expect(run.attempts().map((a) => [a.mode, a.decision === 'ACCEPTED', a.person])).toEqual([
          ['verify', false, null],
          ['verify', true, 'nuaa0001'],
        ]);
        expect(events.map((e) => [e.id, e.kind])).toEqual(run.attempts().map((a) => [a.attemptId, 'verify']));
      }, 600_000);

      it('reads a video file, opens the door by a command at each of five visits, and reports the time from the face appearing to the decision', async () => {
        const visits = Array.from({ length: 5 }, () => [
          blank(1),
          ...visit([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13].map((n) => live('nuaa0001', n))),
          blank(2),
        ]).flat();
        const video = await makeVideo(dir, 'visits', visits);
        const log = path.join(dir, 'door.log');
        const eventsBefore = (await eventsOfDoor()).length;
        const run = bridge([video, '--url', url, '--open-command', `echo "$FACEGATE_PERSON $FACEGATE_ATTEMPT_ID" >> ${log}`, '--report'], {
          FACEGATE_KEY: key,
        });
        // A file ends the bridge when it ends.
        expect(await run.exited, run.stderr()).toBe(0);
        const attempts = run.attempts();
        expect(attempts.map((a) => a.decision)).toEqual(['ACCEPTED', 'ACCEPTED', 'ACCEPTED', 'ACCEPTED', 'ACCEPTED']);
        expect((await readFile(log, 'utf8')).trim().split('\n')).toEqual(attempts.map((a) => `nuaa0001 ${a.attemptId}`));
        expect((await eventsOfDoor()).length - eventsBefore).toBe(5);
        const report = run.lines.find((l) => l.event === 'report') as
          { opened: number; decisionLatencyMs: { runs: number; median: number; max: number; values: number[] } } | undefined;
        expect(report).toMatchObject({ opened: 5, decisionLatencyMs: { runs: 5 } });
        console.log(
          `camera bridge (${db.name}, file, 5 visits): face to decision median ${report!.decisionLatencyMs.median} ms, max ${report!.decisionLatencyMs.max} ms (${report!.decisionLatencyMs.values.join(', ')}); API ${attempts.map((a) => a.apiMs).join(', ')} ms`,
        );
      }, 600_000);
    },
  );
}
