import type { RecognitionEventModel } from '../db/prisma.ts';

/** The decisions an event is filed under (topics, webhook filters, Home Assistant's event types). */
export const EVENT_DECISIONS = ['accepted', 'refused', 'step_up', 'error'] as const;
export type EventDecision = (typeof EVENT_DECISIONS)[number];

/** Why a message was sent: an attempt was recorded, a step-up attempt ended (PIN), or an administrator's test. */
export type EventType = 'attempt.recorded' | 'attempt.completed' | 'webhook.test';

/**
 * What webhooks and MQTT receive about an attempt: flat JSON, easy to template (Home Assistant's
 * `value_json.decision`). The person is named only when the door opened; never face images,
 * encodings, distances, card ids, notes or who was claimed.
 */
export interface EventPayload {
  /** The message's id: retries and replays keep it, so receivers can deduplicate. */
  readonly id: string;
  readonly type: EventType;
  /** The audit event (the attempt): a step-up's completion carries the id of the attempt it completes. */
  readonly attemptId: string;
  /** When it happened (ISO 8601, UTC): the attempt's time, or its completion's. */
  readonly time: string;
  readonly kind: string;
  readonly doorId: string | null;
  readonly doorName: string | null;
  /** 'accepted' | 'refused' | 'step_up' | 'error'. */
  readonly decision: string;
  readonly reason: string;
  readonly accepted: boolean;
  /** Only when accepted; null after the person's erasure. */
  readonly personId: string | null;
  readonly personName: string | null;
  /** A step-up: why a second factor was asked ('borderline' | 'ambiguous' | 'pin_required'), and PIN tries made. */
  readonly stepUpReason: string | null;
  readonly pinTries: number;
}

export function eventPayload(event: RecognitionEventModel, type: EventType, doorName: string | null): EventPayload {
  const accepted = event.decision === 'accepted';
  const completed = type === 'attempt.completed';
  return {
    id: `${event.id}.${completed ? 'completed' : 'recorded'}`,
    type,
    attemptId: event.id,
    time: (completed && event.completedAt ? event.completedAt : event.createdAt).toISOString(),
    kind: event.kind,
    doorId: event.doorId,
    doorName,
    decision: event.decision,
    reason: event.reason,
    accepted,
    personId: accepted ? event.decidedPersonId : null,
    personName: accepted && event.decidedPersonId ? event.decidedLabel : null,
    stepUpReason: event.stepUpReason,
    pinTries: event.pinTries,
  };
}

/** The MQTT topics a payload is published on: its door's, and its decision's. */
export function eventTopics(prefix: string, payload: Pick<EventPayload, 'doorId' | 'decision'>): string[] {
  return [...(payload.doorId ? [`${prefix}/doors/${payload.doorId}/events`] : []), `${prefix}/events/${payload.decision}`];
}
