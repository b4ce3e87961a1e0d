import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';

const seed = path.join(facesDir(), 'seed');
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
const IDENTIFY = `mutation ($image: File!, $door: ID) { identifyFace(image: $image, doorId: $door) { __typename ... on Error { code } } }`;
const MOSQUITTO = [process.env.MOSQUITTO_BIN, '/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => p && existsSync(p));

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
async function until<T>(what: string, read: () => Promise<T> | T, ok: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Two API instances on one PostgreSQL schema race to send the same rows: each webhook delivery and each
// MQTT message must go out once (claims are conditional updates), none lost.
const postgres = databases().find((d) => d.name === 'PostgreSQL')!;
const skip = postgres.skip ?? (!MOSQUITTO ? 'mosquitto is not installed (scripts/provision.sh installs it as root)' : !hasFaces('seed') ? `needs ${seed}` : null);
describe.skipIf(skip)(`events out with two API instances on one PostgreSQL${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dir: string;
  let a: App;
  let b: App;
  let broker: ChildProcess | null = null;
  let mqttPort: number;
  let conf: string;
  const startBroker = async () => {
    broker = spawn(MOSQUITTO!, ['-c', conf], { stdio: 'ignore' });
    await until('mosquitto', () => new Promise<boolean>((resolve) => connect(mqttPort, '127.0.0.1').on('connect', function (this: Socket) { this.destroy(); resolve(true); }).on('error', () => resolve(false))), Boolean);
  };
  const stopBroker = async () => {
    const running = broker;
    broker = null;
    if (running && running.exitCode === null) await new Promise((resolve) => running.once('exit', resolve).kill('SIGTERM'));
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'facegate-events-instances-'));
    mqttPort = await freePort();
    conf = path.join(dir, 'mosquitto.conf');
    await writeFile(conf, `listener ${mqttPort} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location ${dir}/\nautosave_interval 1\n`);
    await startBroker();
    const url = await postgres.url(dir);
    const config = loadConfig({ DATABASE_URL: url, FACEGATE_ADMIN_EMAIL: ADMIN.email, FACEGATE_ADMIN_PASSWORD: ADMIN.password, FACEGATE_RECOGNIZER_THREADS: '1', FACEGATE_MQTT_URL: `mqtt://127.0.0.1:${mqttPort}`, FACEGATE_WEBHOOK_RETRY_BASE_MS: '100', FACEGATE_WEBHOOK_MAX_ATTEMPTS: '50', FACEGATE_EVENTS_POLL_MS: '20' });
    a = await createApp(config);
    b = await createApp(config, { recognizer: a.recognizer });
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await stopBroker();
    await postgres.drop?.();
    await rm(dir, { recursive: true, force: true });
  });

  it('every webhook delivery and every MQTT message sent once, by one of the two', async () => {
    const client = apiClient(a);
    const admin = (await client.gql(`mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { ... on MutationLoginSuccess { data { token } } } }`, { e: ADMIN.email, p: ADMIN.password })).body.data!.login.data.token;
    const doorId = (await client.gql(`mutation { createDoor(name: "hall") { ... on MutationCreateDoorSuccess { data { id } } } }`, {}, admin)).body.data!.createDoor.data.id;
    const port = await freePort(); // the receiver is down at first: rows pile up for both instances to race for
    await client.gql(`mutation ($url: String!) { createWebhook(input: { name: "race", url: $url }) { __typename } }`, { url: `http://127.0.0.1:${port}/` }, admin);
    const subscriber = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: `facegate-race-${process.pid}`, clean: false, reconnectPeriod: 200 });
    const messages: string[] = [];
    subscriber.on('message', (topic, payload) => topic.startsWith('facegate/events/') && messages.push(JSON.parse(payload.toString()).attemptId));
    await subscriber.subscribeAsync('facegate/#', { qos: 1 });
    await new Promise((r) => setTimeout(r, 1500)); // the subscriber's session saved (autosave) before the broker stops
    await stopBroker();
    const N = 20;
    for (let i = 0; i < N; i++) {
      const { body } = await apiClient(i % 2 ? b : a).upload(IDENTIFY, { image: null, door: doorId }, { image: path.join(seed, 'camera_0.jpg') });
      expect(body.data!.identifyFace.code).toBe('UNAUTHORIZED');
    }
    await until('rows from both instances', async () => [await a.db.prisma.webhookDelivery.count(), await a.db.prisma.outboxMessage.count()], ([d, o]) => d === N && o === 2 * N);
    const received: string[] = [];
    const server: Server = createServer((req, res) => {
      received.push(req.headers['x-facegate-delivery'] as string);
      req.resume().on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    await startBroker();
    await until('every delivery', () => a.db.prisma.webhookDelivery.count({ where: { status: 'delivered' } }), (n) => n === N);
    await until('the outbox to empty', () => a.db.prisma.outboxMessage.count(), (n) => n === 0);
    await until('every MQTT message', () => messages.length, (n) => n >= N);
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would arrive now
    expect(received).toHaveLength(N);
    expect(new Set(received).size).toBe(N);
    expect(messages).toHaveLength(N);
    expect(new Set(messages).size).toBe(N);
    expect(await a.db.prisma.recognitionEvent.count()).toBe(N);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await subscriber.endAsync(true);
  }, 90_000);
});
