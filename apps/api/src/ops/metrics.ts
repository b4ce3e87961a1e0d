import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds, from a millisecond-level stage to a slow request under load. */
const LATENCY_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The API's Prometheus metrics, all named facegate_*, in a registry of their own (several apps in one
 * process, as in the tests, do not collide). Gauges read their value when scraped.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'facegate_' });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'facegate_graphql_operations_total',
      help: 'GraphQL operations by root field',
      labelNames: ['operation'] as const,
      registers,
    }),
    errors: new Counter({
      name: 'facegate_graphql_operation_errors_total',
      help: 'GraphQL operations that answered with an error, by root field and code',
      labelNames: ['operation', 'code'] as const,
      registers,
    }),
    operationSeconds: new Histogram({
      name: 'facegate_graphql_operation_seconds',
      help: 'GraphQL operation latency',
      labelNames: ['operation'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    decisions: new Counter({
      name: 'facegate_decisions_total',
      help: 'Recognition attempts by kind, door, decision and reason (one per audit event)',
      labelNames: ['kind', 'door', 'decision', 'reason'] as const,
      registers,
    }),
    stageSeconds: new Histogram({
      name: 'facegate_stage_seconds',
      help: 'Face engine stage latency (decode, detect, align, encode)',
      labelNames: ['stage'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    auditWriteSeconds: new Histogram({
      name: 'facegate_audit_write_seconds',
      help: 'Audit event write latency',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    eventDeliveries: new Counter({
      name: 'facegate_event_deliveries_total',
      help: 'Events out (webhook deliveries, MQTT messages) by channel and outcome: delivered, retry (will be tried again), failed (gave up)',
      labelNames: ['channel', 'outcome'] as const,
      registers,
    }),
    eventDeliverySeconds: new Histogram({
      name: 'facegate_event_delivery_seconds',
      help: 'From an event written for delivery to its delivery (webhook 2xx, MQTT PUBACK)',
      labelNames: ['channel'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    /** The events waiting in the database: pending webhook deliveries, MQTT outbox rows (read when scraped). */
    watchEvents(read: { depth: () => Promise<{ webhook: number; mqtt: number }> }) {
      new Gauge({
        name: 'facegate_event_outbox_depth',
        help: 'Events waiting to be sent, by channel (pending webhook deliveries, MQTT outbox messages)',
        labelNames: ['channel'] as const,
        registers,
        async collect() {
          const depth = await read.depth();
          this.set({ channel: 'webhook' }, depth.webhook);
          this.set({ channel: 'mqtt' }, depth.mqtt);
        },
      });
    },
    /** Wires the gauges that read live values: the recognizer's queue and the gallery. */
    watch(read: { queueDepth: () => number; gallerySize: () => number }) {
      new Gauge({
        name: 'facegate_recognizer_queue_depth',
        help: 'Photos waiting for a recognition worker',
        registers,
        collect() {
          this.set(read.queueDepth());
        },
      });
      new Gauge({
        name: 'facegate_gallery_people',
        help: 'People in the in-memory gallery',
        registers,
        collect() {
          this.set(read.gallerySize());
        },
      });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
