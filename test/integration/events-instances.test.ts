import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';
import { broker, MOSQUITTO, receiver, until } from './events-support.ts';
import { freePort } from './free-port.ts';

const seed = path.join(facesDir(), 'seed');
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
const IDENTIFY = `mutation ($image: File!, $door: ID) { identifyFace(image: $image, doorId: $door) { __typename ... on Error { code } } }`;
// Two API instances on one PostgreSQL schema race to send the same rows: each webhook delivery and each
// MQTT message must go out once (claims are conditional updates), none lost.
const postgres = databases().find((d) => d.name === 'PostgreSQL')!;
const skip =
  postgres.skip ??
  (!MOSQUITTO ? 'mosquitto is not installed (scripts/provision.sh installs it as root)' : !hasFaces('seed') ? `needs ${seed}` : null);
describe.skipIf(skip)(`events out with two API instances on one PostgreSQL${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dir: string;
  let a: App;
  let b: App;
  let mosquitto: ReturnType<typeof broker>;
  let mqttPort: number;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'facegate-events-instances-'));
    mqttPort = await freePort();
    mosquitto = broker(mqttPort, dir);
    await mosquitto.start();
    const url = await postgres.url(dir);
    const config = loadConfig({
      DATABASE_URL: url,
      FACEGATE_ADMIN_EMAIL: ADMIN.email,
      FACEGATE_ADMIN_PASSWORD: ADMIN.password,
      FACEGATE_RECOGNIZER_THREADS: '1',
      FACEGATE_MQTT_URL: `mqtt://127.0.0.1:${mqttPort}`,
      FACEGATE_WEBHOOK_RETRY_BASE_MS: '100',
      FACEGATE_WEBHOOK_MAX_ATTEMPTS: '50',
      FACEGATE_EVENTS_POLL_MS: '20',
      // The receiver listens on this host's loopback, which webhooks may not reach unless the operator opens it.
      FACEGATE_WEBHOOK_ALLOW: '127.0.0.1',
    });
    a = await createApp(config);
    // The tests send photo files, not camera frames: liveness off, as the README says such a door sets it.
    await a.services.updateSettings({ liveness: 'off' });
    b = await createApp(config, { recognizer: a.recognizer });
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await mosquitto?.stop();
    await postgres.drop?.();
    await rm(dir, { recursive: true, force: true });
  });

  it('every webhook delivery and every MQTT message sent once, by one of the two', async () => {
    const client = apiClient(a);
    const admin = await client.login(ADMIN.email, ADMIN.password);
    const doorId = (
      await client.gql(`mutation { createDoor(name: "hall") { ... on MutationCreateDoorSuccess { data { id } } } }`, {}, admin)
    ).body.data!.createDoor.data.id;
    const port = await freePort(); // the receiver is down at first: rows pile up for both instances to race for
    await client.gql(
      `mutation ($url: String!) { createWebhook(input: { name: "race", url: $url }) { __typename } }`,
      { url: `http://127.0.0.1:${port}/` },
      admin,
    );
    const subscriber = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
      clientId: `facegate-race-${process.pid}`,
      clean: false,
      reconnectPeriod: 200,
    });
    const messages: string[] = [];
    subscriber.on(
      'message',
      (topic, payload) => topic.startsWith('facegate/events/') && messages.push(JSON.parse(payload.toString()).attemptId),
    );
    await subscriber.subscribeAsync('facegate/#', { qos: 1 });
    await new Promise((r) => setTimeout(r, 1500)); // the subscriber's session saved (autosave) before the broker stops
    await mosquitto.stop();
    const N = 20;
    for (let i = 0; i < N; i++) {
      const { body } = await apiClient(i % 2 ? b : a).upload(
        IDENTIFY,
        { image: null, door: doorId },
        { image: path.join(seed, 'camera_0.jpg') },
      );
      expect(body.data!.identifyFace.code).toBe('UNAUTHORIZED');
    }
    await until(
      'rows from both instances',
      async () => [await a.db.prisma.webhookDelivery.count(), await a.db.prisma.outboxMessage.count()],
      ([d, o]) => d === N && o === 2 * N,
    );
    const hook = receiver(port);
    await hook.listening;
    await mosquitto.start();
    await until(
      'every delivery',
      () => a.db.prisma.webhookDelivery.count({ where: { status: 'delivered' } }),
      (n) => n === N,
    );
    await until(
      'the outbox to empty',
      () => a.db.prisma.outboxMessage.count(),
      (n) => n === 0,
    );
    await until(
      'every MQTT message',
      () => messages.length,
      (n) => n >= N,
    );
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would arrive now
    const received = hook.received.map((r) => r.headers['x-facegate-delivery'] as string);
    expect(received).toHaveLength(N);
    expect(new Set(received).size).toBe(N);
    expect(messages).toHaveLength(N);
    expect(new Set(messages).size).toBe(N);
    expect(await a.db.prisma.recognitionEvent.count()).toBe(N);
    await hook.close();
    await subscriber.endAsync(true);
  }, 90_000);
});
