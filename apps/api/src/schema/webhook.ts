import { builder } from '../builder.ts';
import { EVENT_DECISIONS, type EventDecision } from '../events/payload.ts';
import { COMMON_ERRORS } from './errors.ts';
import { Decision } from './recognition-event.ts';

// Events out. Webhooks (their URLs, filters) are configuration: administrators only. The delivery log
// is part of the audit trail (what was sent where, accepted people's names included): audit:read.
const ADMIN = { scope: 'admin' } as const;
const AUDIT = { scope: 'audit:read' } as const;

type WebhookModel = {
  id: string;
  name: string;
  url: string;
  decisions: string;
  doorIds: string;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
};
type DeliveryModel = {
  id: string;
  webhookId: string;
  eventId: string;
  payload: string;
  status: string;
  attempts: number;
  nextAttemptAt: Date;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
};

const list = (text: string): string[] => JSON.parse(text) as string[];

export const WebhookRef = builder.objectRef<WebhookModel>('Webhook').implement({
  description: 'An HTTPS (or HTTP) endpoint sent each attempt as signed JSON. Its secret is shown once, at creation.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    url: t.exposeString('url'),
    decisions: t.field({
      type: [Decision],
      description: 'Only attempts with these decisions are sent; empty: all.',
      resolve: (w) => list(w.decisions) as EventDecision[],
    }),
    doorIds: t.idList({
      description: 'Only attempts at these doors are sent; empty: every door (and attempts without a door).',
      resolve: (w) => list(w.doorIds),
    }),
    active: t.exposeBoolean('active', {
      description: 'An inactive webhook is sent nothing new; its pending deliveries wait until it is active again.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const DeliveryStatus = builder.enumType('WebhookDeliveryStatus', {
  values: {
    PENDING: { value: 'pending' },
    DELIVERED: { value: 'delivered' },
    FAILED: { value: 'failed', description: 'Gave up after the last retry; replayWebhookDelivery sends it again.' },
  } as const,
});

const DeliveryRef = builder.objectRef<DeliveryModel>('WebhookDelivery').implement({
  description: 'One message to one webhook, with its tries: the delivery log.',
  fields: (t) => ({
    id: t.exposeID('id'),
    webhookId: t.exposeID('webhookId'),
    webhookName: t.string({
      nullable: true,
      resolve: async (d, _, ctx) => (await ctx.services.events.get(d.webhookId).catch(() => null))?.name ?? null,
    }),
    attemptId: t.id({
      nullable: true,
      description: 'The audit event (attempt) it is about; null for a test message.',
      resolve: (d) => d.eventId || null,
    }),
    payload: t.exposeString('payload', { description: 'The JSON body sent (no face image, no encoding; an erased person is not named).' }),
    status: t.field({ type: DeliveryStatus, resolve: (d) => d.status as 'pending' | 'delivered' | 'failed' }),
    attempts: t.exposeInt('attempts'),
    nextAttemptAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When a pending delivery is tried next.',
      resolve: (d) => (d.status === 'pending' ? d.nextAttemptAt : null),
    }),
    lastStatus: t.exposeInt('lastStatus', { nullable: true, description: "The receiver's HTTP status on the last try (null: no answer)." }),
    lastError: t.exposeString('lastError', { nullable: true }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const CreatedWebhook = builder.objectRef<{ webhook: WebhookModel; secret: string }>('CreatedWebhook').implement({
  fields: (t) => ({
    webhook: t.field({ type: WebhookRef, resolve: (r) => r.webhook }),
    secret: t.exposeString('secret', {
      description:
        'The signing secret, shown this once: check X-Facegate-Signature (v1=HMAC-SHA256 of "<X-Facegate-Timestamp>.<raw body>") with it.',
    }),
  }),
});

const WebhookInput = builder.inputType('WebhookInput', {
  fields: (t) => ({
    name: t.string(),
    url: t.string({ description: 'http:// or https://, no credentials in it.' }),
    decisions: t.field({ type: [Decision], description: 'Send only these decisions; empty: all.' }),
    doorIds: t.idList({ description: 'Send only these doors; empty: every door.' }),
    active: t.boolean(),
  }),
});

const input = (i: {
  name?: string | null;
  url?: string | null;
  decisions?: readonly string[] | null;
  doorIds?: readonly (string | number)[] | null;
  active?: boolean | null;
}) => ({
  ...(i.name !== undefined ? { name: i.name } : {}),
  ...(i.url !== undefined ? { url: i.url } : {}),
  ...(i.decisions ? { decisions: i.decisions.filter((d): d is EventDecision => (EVENT_DECISIONS as readonly string[]).includes(d)) } : {}),
  ...(i.doorIds ? { doorIds: i.doorIds.map(String) } : {}),
  ...(i.active !== undefined ? { active: i.active } : {}),
});

type MqttModel = {
  enabled: boolean;
  broker: string | null;
  authenticated: boolean;
  topicPrefix: string | null;
  connected: boolean | null;
  waiting: number;
};
const MqttSettingsRef = builder.objectRef<MqttModel>('MqttSettings').implement({
  description:
    'Where events are published over MQTT. Set in the environment (FACEGATE_MQTT_URL, FACEGATE_MQTT_TOPIC_PREFIX), so read-only here.',
  fields: (t) => ({
    enabled: t.exposeBoolean('enabled', { description: 'False when FACEGATE_MQTT_URL is unset: no MQTT.' }),
    broker: t.exposeString('broker', { nullable: true, description: 'The broker address, without user name or password.' }),
    authenticated: t.exposeBoolean('authenticated', { description: 'Whether the URL carries credentials (never shown).' }),
    topicPrefix: t.exposeString('topicPrefix', { nullable: true }),
    connected: t.exposeBoolean('connected', {
      nullable: true,
      description: "This instance's connection to the broker now (null: MQTT off).",
    }),
    waiting: t.exposeInt('waiting', { description: 'Messages written and not yet acknowledged by the broker.' }),
  }),
});

builder.queryFields((t) => ({
  mqttSettings: t.field({ type: MqttSettingsRef, authScopes: ADMIN, resolve: (_, __, ctx) => ctx.services.events.mqttSettings() }),
  webhooks: t.field({ type: [WebhookRef], authScopes: ADMIN, resolve: (_, __, ctx) => ctx.services.events.list() }),
  webhookDeliveries: t.field({
    type: [DeliveryRef],
    description: 'The delivery log, newest first.',
    authScopes: AUDIT,
    args: {
      webhookId: t.arg.id(),
      status: t.arg({ type: DeliveryStatus }),
      attemptId: t.arg.id(),
      first: t.arg.int({ defaultValue: 50, description: 'At most 500.' }),
      offset: t.arg.int({ defaultValue: 0 }),
    },
    resolve: (_, args, ctx) =>
      ctx.services.events.deliveries(
        {
          webhookId: args.webhookId ? String(args.webhookId) : null,
          status: args.status ?? null,
          eventId: args.attemptId ? String(args.attemptId) : null,
        },
        Math.max(0, args.offset ?? 0),
        Math.min(500, Math.max(1, args.first ?? 50)),
      ),
  }),
}));

builder.mutationFields((t) => ({
  createWebhook: t.field({
    type: CreatedWebhook,
    description: 'A new webhook; the answer holds its signing secret, never shown again.',
    authScopes: ADMIN,
    errors: { types: COMMON_ERRORS },
    args: { input: t.arg({ type: WebhookInput, required: true }) },
    resolve: (_, args, ctx) => ctx.services.events.create({ ...input(args.input), name: args.input.name ?? '', url: args.input.url ?? '' }),
  }),
  updateWebhook: t.field({
    type: WebhookRef,
    authScopes: ADMIN,
    errors: { types: COMMON_ERRORS },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: WebhookInput, required: true }) },
    resolve: (_, args, ctx) => ctx.services.events.update(String(args.id), input(args.input)),
  }),
  deleteWebhook: t.id({
    description: 'Deletes the webhook and its delivery log.',
    authScopes: ADMIN,
    errors: { types: COMMON_ERRORS },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => ctx.services.events.remove(String(id)),
  }),
  testWebhook: t.field({
    type: DeliveryRef,
    description: 'Sends the webhook a signed test message (type webhook.test), in the background: follow it in webhookDeliveries.',
    authScopes: ADMIN,
    errors: { types: COMMON_ERRORS },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => ctx.services.events.test(String(id)),
  }),
  replayWebhookDelivery: t.field({
    type: DeliveryRef,
    description: 'Sends a logged delivery again (a new delivery of the same body and message id), e.g. one that failed.',
    authScopes: ADMIN,
    errors: { types: COMMON_ERRORS },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => ctx.services.events.replay(String(id)),
  }),
}));
