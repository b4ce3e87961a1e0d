// Home Assistant MQTT discovery against a real broker (TEST_MQTT_URL, mosquitto from scripts/provision.sh):
// what Home Assistant reads from the retained config topics, checked field by field, and the payload the
// entities' templates read, checked against a real attempt's message.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';
import { until } from './events-support.ts';

const BROKER = process.env.TEST_MQTT_URL;
const seed = path.join(facesDir(), 'seed');
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
const IDENTIFY = `mutation ($image: File!, $door: ID) { identifyFace(image: $image, doorId: $door) { __typename ... on Error { code } } }`;

/** Reads every retained message under a filter: a fresh subscriber, then a quiet moment. */
async function retained(filter: string, quietMs = 800): Promise<Map<string, string>> {
  const client = await mqtt.connectAsync(BROKER!, { reconnectPeriod: 0 });
  const seen = new Map<string, string>();
  client.on('message', (topic, payload, packet) => packet.retain && seen.set(topic, payload.toString()));
  await client.subscribeAsync(filter, { qos: 1 });
  await new Promise((r) => setTimeout(r, quietMs));
  await client.endAsync();
  return seen;
}

for (const database of databases()) {
  const skip = !BROKER
    ? 'TEST_MQTT_URL is unset (scripts/provision.sh starts mosquitto)'
    : database.skip
      ? database.skip
      : !hasFaces('seed')
        ? `needs ${seed}`
        : null;
  describe.skipIf(skip)(`Home Assistant MQTT discovery, on ${database.name}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    // Prefixes of this run only: the broker is shared, and retained messages outlive the test.
    const run = `${process.pid}-${Date.now().toString(36)}-${database.name}`;
    const prefix = `facegate-test-${run}`;
    const discovery = `homeassistant-test-${run}`;
    let app: App;
    let dir: string;
    let admin: string;
    let doorId: string;
    let client: ReturnType<typeof apiClient>;
    let subscriber: MqttClient;
    const messages: { topic: string; payload: string; retain: boolean }[] = [];

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'facegate-ha-'));
      const url = await database.url(dir);
      app = await createApp(
        loadConfig({
          DATABASE_URL: url,
          FACEGATE_ADMIN_EMAIL: ADMIN.email,
          FACEGATE_ADMIN_PASSWORD: ADMIN.password,
          FACEGATE_RECOGNIZER_THREADS: '1',
          FACEGATE_MQTT_URL: BROKER,
          FACEGATE_MQTT_TOPIC_PREFIX: prefix,
          FACEGATE_MQTT_DISCOVERY_PREFIX: discovery,
          FACEGATE_EVENTS_POLL_MS: '100',
        }),
      );
      client = apiClient(app);
      admin = await client.login(ADMIN.email, ADMIN.password);
      subscriber = await mqtt.connectAsync(BROKER!, { reconnectPeriod: 200 });
      subscriber.on('message', (topic, payload, packet) => messages.push({ topic, payload: payload.toString(), retain: packet.retain }));
      await subscriber.subscribeAsync([`${discovery}/#`, `${prefix}/#`], { qos: 1 });
    }, 120_000);
    afterAll(async () => {
      await app?.close();
      // The status topic is retained too: leave nothing of this run on the shared broker.
      await subscriber?.publishAsync(`${prefix}/status`, '', { qos: 1, retain: true }).catch(() => {});
      await subscriber?.endAsync(true);
      await database.drop?.();
      await rm(dir, { recursive: true, force: true });
    });

    it("a new door appears as a device with a decision event and a last-person sensor, unavailable with facegate's status", async () => {
      doorId = (await client.gql(`mutation { createDoor(name: "lobby") { ... on MutationCreateDoorSuccess { data { id } } } }`, {}, admin))
        .body.data!.createDoor.data.id;
      const node = `facegate_${doorId}`;
      const configs = await until(
        'both config topics, retained',
        () => retained(`${discovery}/+/${node}/+/config`),
        (m) => m.size === 2,
      );
      expect([...configs.keys()].sort()).toEqual([
        `${discovery}/event/${node}/decision/config`,
        `${discovery}/sensor/${node}/last_person/config`,
      ]);
      const event = JSON.parse(configs.get(`${discovery}/event/${node}/decision/config`)!);
      const sensor = JSON.parse(configs.get(`${discovery}/sensor/${node}/last_person/config`)!);
      const device = { identifiers: [node], name: 'lobby', manufacturer: 'facegate', model: 'Door' };
      const availability = [{ topic: `${prefix}/status`, payload_available: 'online', payload_not_available: 'offline' }];
      expect(event).toMatchObject({
        unique_id: `${node}_decision`,
        name: 'Decision',
        device,
        availability,
        state_topic: `${prefix}/doors/${doorId}/events`,
        event_types: ['accepted', 'refused', 'step_up', 'error'],
      });
      expect(sensor).toMatchObject({
        unique_id: `${node}_last_person`,
        name: 'Last person',
        device,
        availability,
        state_topic: `${prefix}/doors/${doorId}/events`,
      });
      // The decision event's template forwards no person; the sensor's reads the name, kept on a refusal.
      expect(event.value_template).toContain('value_json.decision');
      expect(event.value_template).not.toMatch(/person/i);
      expect(sensor.value_template).toContain('value_json.personName');
      // The availability topic Home Assistant watches says online (retained).
      expect((await retained(`${prefix}/status`)).get(`${prefix}/status`)).toBe('online');
    });

    it("an attempt's message on the state topic has every field the templates read", async () => {
      const { body } = await client.upload(IDENTIFY, { image: null, door: doorId }, { image: path.join(seed, 'camera_0.jpg') });
      expect(body.data!.identifyFace.code).toBe('UNAUTHORIZED');
      const message = await until(
        'the door event',
        () => messages.find((m) => m.topic === `${prefix}/doors/${doorId}/events`),
        (m) => m !== undefined,
      );
      const payload = JSON.parse(message!.payload);
      expect(message!.retain).toBe(false);
      expect(payload).toMatchObject({ decision: 'error', reason: 'unauthenticated', kind: 'identify', accepted: false, personName: null });
      for (const field of ['decision', 'reason', 'kind', 'time', 'attemptId', 'accepted', 'personName'])
        expect(payload).toHaveProperty(field);
    });

    it('a renamed door renames its device; a deleted door leaves no config behind', async () => {
      const node = `facegate_${doorId}`;
      const renamed = await client.gql(
        `mutation ($id: ID!) { updateDoor(id: $id, input: { name: "front door" }) { __typename } }`,
        { id: doorId },
        admin,
      );
      expect(renamed.body.data!.updateDoor.__typename).toBe('MutationUpdateDoorSuccess');
      await until(
        'the renamed device',
        async () => [...(await retained(`${discovery}/+/${node}/+/config`)).values()].map((p) => JSON.parse(p).device.name),
        (names) => names.length === 2 && names.every((n) => n === 'front door'),
      );

      const deleted = await client.gql(`mutation ($id: ID!) { deleteDoor(id: $id) { __typename } }`, { id: doorId }, admin);
      expect(deleted.body.data!.deleteDoor.__typename).toBe('MutationDeleteDoorSuccess');
      // Home Assistant removes an entity when its config topic gets an empty message...
      await until(
        'empty configs',
        () => messages.filter((m) => m.topic.startsWith(`${discovery}/`) && m.topic.includes(node) && m.payload === '').length,
        (n) => n === 2,
      );
      // ...and the broker keeps nothing for the door: a subscriber arriving now gets no config.
      expect((await retained(`${discovery}/#`)).size).toBe(0);
    });
  });
}
