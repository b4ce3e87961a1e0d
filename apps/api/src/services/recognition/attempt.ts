import type { Viewer } from '../../auth/viewer.ts';
import type { AttemptLearning, AuditRecord, AuditService, RecognitionEventRow } from '../audit.ts';

type Fields = { -readonly [K in keyof AuditRecord]: AuditRecord[K] };

/** What the caller gets once the attempt is recorded (the answer names its event). */
export type Answer<T> = (event: RecognitionEventRow) => T | Promise<T>;

/**
 * An attempt that ends without a decision to answer (refused at the door, an overload, no usable face):
 * the fields it is recorded with, and the error the caller then gets (given the event, which a
 * FaceRejectedError names).
 */
export class Refusal extends Error {
  constructor(
    readonly fields: Partial<AuditRecord>,
    readonly answer: (event: RecognitionEventRow) => Error,
  ) {
    super(fields.reason ?? 'refused');
  }
}

/** A refusal recorded as an error with nothing analysed (`fields` add to that), answered with `error`. */
export function refusal(reason: string, error: Error, fields: Partial<AuditRecord> = {}): Refusal {
  return new Refusal({ decision: 'error', reason, model: '', framesUsed: 0, ...fields }, () => error);
}

/** One attempt's audit fields, gathered as its flow learns them; runAttempt records them. */
export class Attempt {
  readonly fields: Fields;
  /** A sample the attempt learns, written in its event's transaction (adaptive-templates.ts). */
  learning: AttemptLearning | null = null;

  constructor(start: Omit<AuditRecord, 'model' | 'decision' | 'reason'>) {
    this.fields = { model: '', decision: 'error', reason: 'internal_error', framesUsed: 0, ...start };
  }

  set(fields: Partial<AuditRecord>): void {
    Object.assign(this.fields, fields);
  }
}

/** Who made an attempt, as the audit names them. */
export function actorOf(viewer: Viewer) {
  return {
    apiKeyId: viewer.kind === 'apiKey' ? viewer.id : viewer.kind === 'anonymous' ? (viewer.apiKeyId ?? null) : null,
    adminId: viewer.kind === 'admin' ? viewer.id : null,
  };
}

/**
 * Runs one attempt's flow and records it: this is the one place an attempt becomes an audit event, so
 * each is recorded exactly once, whether the flow answered or ended in a Refusal. Any other error
 * decided nothing (the database or a bug failed; the caller gets UNAVAILABLE or an internal error) and
 * is not recorded: the record would fail with the database, or hide the error.
 */
export async function runAttempt<T>(audit: AuditService, start: Attempt, flow: (attempt: Attempt) => Promise<Answer<T>>): Promise<T> {
  let ending: { answer: Answer<T> } | { refusal: Refusal };
  try {
    ending = { answer: await flow(start) };
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    start.set(error.fields);
    ending = { refusal: error };
  }
  const event = await audit.record(start.fields, start.learning);
  if ('refusal' in ending) throw ending.refusal.answer(event);
  return ending.answer(event);
}
