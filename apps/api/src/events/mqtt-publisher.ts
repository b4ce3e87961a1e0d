import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { Prisma } from '../db/prisma.ts';
import { createPump } from './pump.ts';

export interface MqttOptions {
  /** mqtt://host:1883 (mqtts://, ws:// too; credentials as mqtt://user:pass@host). */
  readonly url: string;
  /** Topics start with it: <prefix>/doors/<doorId>/events, <prefix>/events/<decision>, <prefix>/status. */
  readonly topicPrefix: string;
  readonly pollMs: number;
  /** A message not acknowledged (PUBACK) by then is put back and published again later. */
  readonly ackTimeoutMs?: number;
}

const CLAIM_MS = 30_000;
const BATCH = 200;

/**
 * Publishes the MQTT outbox (OutboxMessage rows, written with the decisions) to the broker: QoS 1, in
 * the order written; a row is deleted once the broker acknowledged it, so a broker that is down only
 * makes rows wait (across restarts too). Several instances claim rows with a conditional update, so
 * each message is published by one of them. `<prefix>/status` is `online` (retained) while connected,
 * `offline` (retained, the last will) otherwise.
 */
export function createMqttPublisher(
  prisma: Prisma,
  options: MqttOptions,
  hooks: {
    connected?: () => void;
    published?: (rows: { createdAt: Date }[]) => void;
    failed?: (count: number) => void;
    error: (error: unknown) => void;
  },
) {
  const me = randomUUID();
  const statusTopic = `${options.topicPrefix}/status`;
  const client: MqttClient = mqtt.connect(options.url, {
    clientId: `facegate-${me.slice(0, 8)}`,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 5000,
    queueQoSZero: false,
    will: { topic: statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
  });
  // A broker that is down fails every second: said once, until the next connection.
  let lastError = '';
  client.on('error', (error) => {
    if (error.message === lastError) return;
    lastError = error.message;
    hooks.error(new Error(`MQTT broker ${new URL(options.url).host}: ${error.message} (messages wait in the outbox)`));
  });
  client.on('connect', () => {
    lastError = '';
    client.publish(statusTopic, 'online', { qos: 1, retain: true });
    hooks.connected?.();
    pump.wake();
  });

  const ackWithin = (topic: string, payload: string, retain: boolean) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no PUBACK in time')), options.ackTimeoutMs ?? 10_000);
      client.publish(topic, payload, { qos: 1, retain }, (error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      });
    });

  async function drain(): Promise<boolean> {
    if (!client.connected) return false;
    const now = new Date();
    const free = { OR: [{ claimedUntil: null }, { claimedUntil: { lt: now } }] };
    const candidates = await prisma.outboxMessage.findMany({
      where: free,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: BATCH,
      select: { id: true },
    });
    if (candidates.length === 0) return false;
    const token = randomUUID();
    await prisma.outboxMessage.updateMany({
      where: { id: { in: candidates.map((c) => c.id) }, ...free },
      data: { claimedBy: token, claimedUntil: new Date(now.getTime() + CLAIM_MS) },
    });
    const rows = await prisma.outboxMessage.findMany({ where: { claimedBy: token }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    // Sent in order on one connection (the broker keeps the order per topic), acknowledged together.
    const results = await Promise.allSettled(rows.map((row) => ackWithin(row.topic, row.payload, row.retain)));
    const done = rows.filter((_, i) => results[i]!.status === 'fulfilled');
    const undone = rows.filter((_, i) => results[i]!.status === 'rejected');
    if (done.length > 0) {
      await prisma.outboxMessage.deleteMany({ where: { id: { in: done.map((r) => r.id) }, claimedBy: token } });
      hooks.published?.(done);
    }
    if (undone.length > 0) {
      await prisma.outboxMessage.updateMany({
        where: { id: { in: undone.map((r) => r.id) }, claimedBy: token },
        data: { claimedBy: null, claimedUntil: null, attempts: { increment: 1 } },
      });
      hooks.failed?.(undone.length);
      return false; // the broker went away: wait for the next connect or tick
    }
    return candidates.length === BATCH;
  }

  const pump = createPump(drain, options.pollMs, hooks.error);

  return {
    wake: pump.wake,
    get connected() {
      return client.connected;
    },
    async close() {
      await pump.stop();
      if (client.connected) await client.publishAsync(statusTopic, 'offline', { qos: 1, retain: true }).catch(() => {});
      await client.endAsync(!client.connected).catch(() => {});
    },
  };
}
