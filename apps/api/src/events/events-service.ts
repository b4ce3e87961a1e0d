import type { DataCipher } from '../db/sealed.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { Prisma, RecognitionEventModel } from '../db/prisma.ts';
import { erasePersonFromEvents } from './erasure.ts';
import { refusedHost, type AllowedAddress } from './webhook-address.ts';
import { createMqttPublisher, type MqttOptions } from './mqtt-publisher.ts';
import { discoveryMessages, discoveryTopics, type DiscoveryDoor } from './home-assistant.ts';
import { eventPayload, eventTopics, type EventDecision, type EventPayload, type EventType } from './payload.ts';
import { generateWebhookSecret } from './signature.ts';
import { createWebhookDispatcher, DEFAULT_RETRY_POLICY, type WebhookRetryPolicy } from './webhook-dispatcher.ts';

export interface EventsOptions {
  /** The MQTT broker (FACEGATE_MQTT_URL); no MQTT when unset. */
  readonly mqtt?: (Omit<MqttOptions, 'pollMs'> & { readonly discoveryPrefix?: string | null }) | null;
  readonly webhooks?: Partial<WebhookRetryPolicy>;
  /** Addresses the operator opened to webhooks (FACEGATE_WEBHOOK_ALLOW); see webhook-address.ts. */
  readonly webhookAllow?: readonly AllowedAddress[];
  /** How often each instance looks for rows to send without being woken (retries, other instances, restarts). */
  readonly pollMs?: number;
}

export interface WebhookInput {
  readonly name?: string | null;
  readonly url?: string | null;
  readonly decisions?: readonly EventDecision[] | null;
  readonly doorIds?: readonly string[] | null;
  readonly active?: boolean | null;
}

/**
 * A webhook's address: http or https, with a host, no credentials in it (they would be shown back), at
 * most 2,000 characters, and not an address a webhook may not reach (this host, link-local...: see
 * webhook-address.ts) unless the operator opened it. A name is checked again at each delivery, resolved.
 */
export function validateWebhookUrl(text: string, allow: readonly AllowedAddress[] = []): string {
  const value = text.trim();
  if (value.length > 2000) throw new InvalidInputError('the webhook URL is longer than 2,000 characters');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidInputError('the webhook URL is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidInputError(`webhooks are sent over http or https, not ${url.protocol.replace(':', '')}`);
  if (!url.hostname) throw new InvalidInputError('the webhook URL has no host');
  if (url.username || url.password)
    throw new InvalidInputError('the webhook URL must not carry a user name or password (the signature authenticates facegate)');
  const refused = refusedHost(url, allow);
  if (refused) throw new InvalidInputError(`the webhook URL's host ${refused}`);
  return url.toString();
}

const parseList = (text: string): string[] => {
  const value = JSON.parse(text) as unknown;
  return Array.isArray(value) ? value.map(String) : [];
};

/**
 * Events out: every recorded attempt and every completed step-up, as signed webhooks and MQTT
 * messages. The decision never waits for them: `publish` queues the event in memory and returns; the
 * rows (WebhookDelivery per matching webhook, OutboxMessage per MQTT topic) are written in the
 * background in one transaction, then sent by the dispatchers, which also pick up rows left by a
 * restart, by another instance, or waiting for a retry.
 */
export function createEventsService(prisma: Prisma, cipher: DataCipher, options: EventsOptions = {}, metrics?: Metrics) {
  const pollMs = options.pollMs ?? 1_000;
  const policy: WebhookRetryPolicy = { ...DEFAULT_RETRY_POLICY, pollMs, ...options.webhooks };
  const report = (error: unknown) => console.error('facegate events:', error instanceof Error ? error.message : error);
  const observe = (channel: 'webhook' | 'mqtt', outcome: string, createdAt?: Date) => {
    metrics?.eventDeliveries.inc({ channel, outcome });
    if (createdAt && outcome === 'delivered') metrics?.eventDeliverySeconds.observe({ channel }, (Date.now() - createdAt.getTime()) / 1000);
  };
  const webhooks = createWebhookDispatcher(
    prisma,
    cipher,
    policy,
    { outcome: (outcome, createdAt) => observe('webhook', outcome, createdAt), error: report },
    options.webhookAllow,
  );
  const mqtt = options.mqtt
    ? createMqttPublisher(
        prisma,
        { ...options.mqtt, pollMs },
        {
          // Each connection announces every door again: a broker restarted without persistence lost the retained configs.
          connected: () => void discoverAll().catch(report),
          published: (rows) => rows.forEach((r) => observe('mqtt', 'delivered', r.createdAt)),
          failed: (n) => metrics?.eventDeliveries.inc({ channel: 'mqtt', outcome: 'retry' }, n),
          error: report,
        },
      )
    : null;
  metrics?.watchEvents({
    depth: async () => ({
      webhook: await prisma.webhookDelivery.count({ where: { status: 'pending' } }),
      mqtt: await prisma.outboxMessage.count(),
    }),
  });

  // Door names, read once in a while (a rename shows within a minute).
  const doorNames = new Map<string, { name: string | null; until: number }>();
  async function doorName(id: string | null): Promise<string | null> {
    if (!id) return null;
    const cached = doorNames.get(id);
    if (cached && cached.until > Date.now()) return cached.name;
    const door = await prisma.door.findUnique({ where: { id }, select: { name: true } });
    doorNames.set(id, { name: door?.name ?? null, until: Date.now() + 60_000 });
    return door?.name ?? null;
  }
  // Active webhooks, re-read every few seconds (or at once after a change made here).
  let hooks: { at: number; list: { id: string; decisions: string[]; doorIds: string[] }[] } | null = null;
  async function activeWebhooks() {
    if (hooks && Date.now() - hooks.at < 5_000) return hooks.list;
    const rows = await prisma.webhook.findMany({ where: { active: true }, select: { id: true, decisions: true, doorIds: true } });
    hooks = { at: Date.now(), list: rows.map((w) => ({ id: w.id, decisions: parseList(w.decisions), doorIds: parseList(w.doorIds) })) };
    return hooks.list;
  }

  /** The active webhooks that want an attempt with this decision at this door. */
  async function webhooksFor(payload: Pick<EventPayload, 'doorId' | 'decision'>): Promise<string[]> {
    const hooks = await activeWebhooks();
    return hooks
      .filter(
        (w) =>
          (w.decisions.length === 0 || w.decisions.includes(payload.decision)) &&
          (w.doorIds.length === 0 || (payload.doorId !== null && w.doorIds.includes(payload.doorId))),
      )
      .map((w) => w.id);
  }

  /**
   * Marks an attempt as written (`stage` 1 for its record, 2 for its step-up completion). One raw
   * statement (the same SQL on SQLite and PostgreSQL): it runs after every door attempt, and Prisma
   * would wrap an updateMany in a transaction of its own.
   */
  const mark = (eventId: string, stage: 1 | 2) =>
    prisma.$executeRaw`UPDATE "RecognitionEvent" SET "eventsPublished" = ${stage} WHERE "id" = ${eventId} AND "eventsPublished" < ${stage}`;

  /**
   * Writes an attempt's rows, and marks the attempt as written in the same transaction: an instance
   * stopped before this leaves the mark behind for catchUp, never a half-written event.
   */
  async function write(payload: EventPayload, eventId: string, stage: 1 | 2) {
    const body = JSON.stringify(payload);
    const targets = await webhooksFor(payload);
    const topics = mqtt ? eventTopics(options.mqtt!.topicPrefix, payload) : [];
    await prisma.$transaction([
      ...(targets.length > 0
        ? [prisma.webhookDelivery.createMany({ data: targets.map((webhookId) => ({ webhookId, eventId, payload: body })) })]
        : []),
      ...(topics.length > 0 ? [prisma.outboxMessage.createMany({ data: topics.map((topic) => ({ eventId, topic, payload: body })) })] : []),
      mark(eventId, stage),
    ]);
    if (targets.length === 0 && topics.length === 0) return;
    // A deletion that ran between reading the event and writing these rows did not see them: erase now.
    if (payload.personId && !(await prisma.person.findUnique({ where: { id: payload.personId }, select: { id: true } })))
      await erasePersonFromEvents(prisma, payload.personId);
    if (targets.length > 0) webhooks.wake();
    if (topics.length > 0) mqtt?.wake();
  }

  // Home Assistant discovery: retained config rows in the outbox, published in order with the events.
  const discoveryPrefix = mqtt ? (options.mqtt!.discoveryPrefix ?? null) : null;
  async function discover(doors: readonly DiscoveryDoor[]) {
    if (!discoveryPrefix || doors.length === 0) return;
    const rows = doors.flatMap((door) => discoveryMessages(discoveryPrefix, options.mqtt!.topicPrefix, door));
    await prisma.outboxMessage.createMany({ data: rows.map((row) => ({ ...row, retain: true })) });
    mqtt?.wake();
  }
  async function discoverAll() {
    await discover(await prisma.door.findMany({ select: { id: true, name: true }, orderBy: { createdAt: 'asc' } }));
  }
  /** An empty retained message on each config topic: Home Assistant removes the door's entities. */
  async function undiscover(doorId: string) {
    if (!discoveryPrefix) return;
    await prisma.outboxMessage.createMany({
      data: discoveryTopics(discoveryPrefix, doorId).map((topic) => ({ topic, payload: '', retain: true })),
    });
    mqtt?.wake();
  }

  let queue: Promise<void> = Promise.resolve();
  let pending = 0;
  function publish(event: RecognitionEventModel, type: EventType) {
    pending++;
    queue = queue
      .then(async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            const stage = type === 'attempt.completed' ? 2 : 1;
            // Nothing to send it to (no broker, no webhook wanting this decision at this door, neither of
            // which an erasure changes): only the mark, one statement (a door attempt's main-thread cost).
            if (!mqtt && (await webhooksFor({ doorId: event.doorId, decision: event.decision })).length === 0) {
              await mark(event.id, stage);
              return;
            }
            // Read again: a deletion may have renamed the person since (the event in memory is older).
            const fresh = (await prisma.recognitionEvent.findUnique({ where: { id: event.id } })) ?? event;
            return await write(eventPayload(fresh, type, await doorName(fresh.doorId)), fresh.id, stage);
          } catch (error) {
            if (attempt >= 5) throw error;
            await new Promise((r) => setTimeout(r, 100 * attempt));
          }
        }
      })
      .catch((error: unknown) => report(error))
      .finally(() => void pending--);
  }

  /**
   * Attempts whose events an instance recorded but never wrote (it was killed in between): published
   * now. Only those older than `graceMs` (another instance may still be writing younger ones) and
   * younger than a day.
   */
  async function catchUp(graceMs = 30_000): Promise<number> {
    const at = Date.now();
    const left = await prisma.recognitionEvent.findMany({
      where: {
        createdAt: { gte: new Date(at - 86_400_000), lt: new Date(at - graceMs) },
        OR: [{ eventsPublished: 0 }, { eventsPublished: 1, completedAt: { not: null } }],
      },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: 1000,
    });
    for (const event of left) {
      if (event.eventsPublished === 0) publish(event, 'attempt.recorded');
      if (event.completedAt) publish(event, 'attempt.completed');
    }
    await queue;
    return left.length;
  }
  const catchUpTimer = setInterval(() => void catchUp().catch(report), 60_000);
  catchUpTimer.unref();

  async function getWebhook(id: string) {
    const webhook = await prisma.webhook.findUnique({ where: { id } });
    if (!webhook) throw new NotFoundError('webhook');
    return webhook;
  }
  async function clean(input: WebhookInput) {
    const name = input.name?.trim();
    if (input.name !== undefined && input.name !== null && !name) throw new InvalidInputError('a webhook needs a name');
    if (name && name.length > 200) throw new InvalidInputError('the name is longer than 200 characters');
    const doorIds = input.doorIds ? [...new Set(input.doorIds.map(String))] : undefined;
    if (doorIds && doorIds.length > 0) {
      const found = await prisma.door.count({ where: { id: { in: doorIds } } });
      if (found !== doorIds.length) throw new InvalidInputError('a door named in doorIds does not exist');
    }
    return {
      ...(name ? { name } : {}),
      ...(input.url !== undefined && input.url !== null ? { url: validateWebhookUrl(input.url, options.webhookAllow) } : {}),
      ...(input.decisions ? { decisions: JSON.stringify([...new Set(input.decisions)]) } : {}),
      ...(doorIds ? { doorIds: JSON.stringify(doorIds) } : {}),
      ...(input.active !== undefined && input.active !== null ? { active: input.active } : {}),
    };
  }

  return {
    /** Queues an attempt (recorded, or a completed step-up) for the webhooks and MQTT; never waits. */
    publish,
    catchUp,
    list: () => prisma.webhook.findMany({ orderBy: { createdAt: 'asc' } }),
    get: getWebhook,
    /** A new webhook and its signing secret, which is returned this once and kept sealed. */
    async create(input: WebhookInput & { name: string; url: string }) {
      const data = await clean(input);
      const secret = generateWebhookSecret();
      const webhook = await prisma.webhook.create({
        data: { name: data.name ?? input.name, url: data.url ?? input.url, ...data, secret: cipher.seal(Buffer.from(secret)) },
      });
      hooks = null;
      return { webhook, secret };
    },
    async update(id: string, input: WebhookInput) {
      await getWebhook(id);
      const webhook = await prisma.webhook.update({ where: { id }, data: await clean(input) });
      hooks = null;
      webhooks.wake();
      return webhook;
    },
    /** Deletes the webhook and its delivery log. */
    async remove(id: string) {
      await getWebhook(id);
      await prisma.webhook.delete({ where: { id } });
      hooks = null;
      return id;
    },
    /** Queues a test message to one webhook (delivered in the background like any other); returns its delivery. */
    async test(id: string) {
      await getWebhook(id);
      const at = new Date();
      const payload: EventPayload = {
        id: `test.${at.getTime()}`,
        type: 'webhook.test',
        attemptId: '',
        time: at.toISOString(),
        kind: 'test',
        doorId: null,
        doorName: null,
        decision: 'accepted',
        reason: 'test',
        accepted: true,
        personId: null,
        personName: null,
        stepUpReason: null,
        pinTries: 0,
      };
      const delivery = await prisma.webhookDelivery.create({ data: { webhookId: id, eventId: '', payload: JSON.stringify(payload) } });
      webhooks.wake();
      return delivery;
    },
    /** Sends a logged delivery again: a new delivery of the same body (and message id), sent at once. */
    async replay(deliveryId: string) {
      const original = await prisma.webhookDelivery.findUnique({ where: { id: deliveryId } });
      if (!original) throw new NotFoundError('webhook delivery');
      const delivery = await prisma.webhookDelivery.create({
        data: { webhookId: original.webhookId, eventId: original.eventId, payload: original.payload },
      });
      webhooks.wake();
      return delivery;
    },
    deliveries(filter: { webhookId?: string | null; status?: string | null; eventId?: string | null }, offset: number, limit: number) {
      return prisma.webhookDelivery.findMany({
        where: {
          ...(filter.webhookId ? { webhookId: filter.webhookId } : {}),
          ...(filter.status ? { status: filter.status } : {}),
          ...(filter.eventId ? { eventId: filter.eventId } : {}),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        skip: offset,
        take: limit,
      });
    },
    delivery: (id: string) => prisma.webhookDelivery.findUnique({ where: { id } }),
    /** A door created or renamed: its Home Assistant entities are announced (when discovery is on); a failure is reported, and the next connection announces it. */
    doorChanged: (door: DiscoveryDoor) => discover([door]).catch(report),
    /** A door deleted: its Home Assistant entities are removed. */
    doorRemoved: undiscover,
    /** Is the MQTT broker connected (null: MQTT off). */
    mqttConnected: () => (mqtt ? mqtt.connected : null),
    /**
     * The MQTT configuration as the dashboard shows it (read-only: it comes from the environment). The
     * broker's address without its user name and password, which are secrets.
     */
    async mqttSettings() {
      const url = options.mqtt ? new URL(options.mqtt.url) : null;
      return {
        enabled: url !== null,
        broker: url ? `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}` : null,
        authenticated: url ? url.username !== '' : false,
        topicPrefix: options.mqtt?.topicPrefix ?? null,
        connected: mqtt ? mqtt.connected : null,
        waiting: await prisma.outboxMessage.count(),
      };
    },
    /** Events queued in memory and not yet written. */
    queued: () => pending,
    /** Writes what is queued, stops sending (the rows stay for the next start) and leaves the broker. */
    async close() {
      clearInterval(catchUpTimer);
      await queue;
      await webhooks.close();
      await mqtt?.close();
    },
  };
}

export type EventsService = ReturnType<typeof createEventsService>;
