import type { Scope } from '../../auth/api-keys.ts';
import { can, type Viewer } from '../../auth/viewer.ts';
import { InvalidInputError, NotFoundError } from '../../errors.ts';
import { verifyPin } from '../../policy/pin.ts';
import type { RecognitionEventRow } from '../audit.ts';
import type { Prisma } from '../../db/prisma.ts';
import { actorOf, Attempt, refusal, runAttempt } from './attempt.ts';
import { PIN_LOCKOUT_TRIES, PIN_TRIES, STEP_UP_SECONDS, type Decision, type RecognitionDeps, type RecognitionOutcome } from './types.ts';

/** Who may complete a step-up: the person recognised, and for an ambiguous identification the rival too. */
function stepUpPeople(event: RecognitionEventRow): string[] {
  return [event.stepUpPersonId, event.kind === 'identify' && event.reason === 'ambiguous' ? event.rivalPersonId : null].filter(
    (id): id is string => !!id,
  );
}

/** PIN tries left in a step-up, or null when nobody it could complete for has a PIN. */
export async function pinTriesLeft(prisma: Prisma, event: RecognitionEventRow): Promise<number | null> {
  const withPin = await prisma.person.count({ where: { id: { in: stepUpPeople(event) }, pinHash: { not: null } } });
  return withPin > 0 ? PIN_TRIES - event.pinTries : null;
}

/**
 * The second factor of a STEP_UP attempt: the PIN of the person recognised (for an ambiguous
 * identification, of either person too close to call; the PIN says which). Only the caller who made
 * the attempt may complete it, within STEP_UP_SECONDS and PIN_TRIES; every try updates the same
 * audit event, so the attempt stays one event. The policy is checked again for the person the PIN
 * names.
 */
export async function completeStepUp(deps: RecognitionDeps, viewer: Viewer, attemptId: string, pin: string): Promise<RecognitionOutcome> {
  const { prisma, audit, policy } = deps;
  const event = await audit.get(attemptId);
  const own =
    event && (viewer.kind === 'apiKey' ? event.apiKeyId === viewer.id : viewer.kind === 'admin' ? event.adminId === viewer.id : false);
  if (!event || !own || !can(viewer, event.kind as Scope)) {
    // A PIN sent for an attempt that is not the caller's is an attempt at a door of its own: audited,
    // and answered "not found", which does not tell a stranger which attempts exist.
    const doorId = viewer.kind === 'apiKey' || viewer.kind === 'anonymous' ? (viewer.doorId ?? null) : null;
    const attempt = new Attempt({
      kind: event?.kind === 'identify' ? 'identify' : 'verify',
      ...actorOf(viewer),
      doorId,
      threshold: deps.settings.current().threshold,
      frames: 0,
    });
    return runAttempt(deps.audit, attempt, () => Promise.reject(refusal('unknown_attempt', new NotFoundError('step-up attempt'))));
  }
  if (event.decision !== 'step_up' || event.completedAt) throw new InvalidInputError('this attempt is not waiting for a second factor');

  const answer = (done: RecognitionEventRow, personId: string | null, triesLeft: number | null): RecognitionOutcome => ({
    decision: done.decision as Decision,
    reason: done.reason,
    distance: done.distance,
    threshold: done.threshold,
    stepUpThreshold: done.threshold,
    personId,
    candidates: [],
    framesUsed: done.framesUsed,
    event: done,
    pinTriesLeft: triesLeft,
  });
  const finish = async (
    decision: Decision,
    reason: string,
    tries: number,
    decided: { id: string; name: string } | null = null,
    reserved = false,
  ) => {
    const done = await audit.complete(
      event.id,
      {
        decision: decision as 'accepted' | 'refused' | 'step_up',
        reason,
        pinTries: tries,
        decidedPersonId: decided?.id ?? null,
        decidedLabel: decided?.name ?? null,
      },
      undefined,
      reserved,
    );
    if (!done) throw new InvalidInputError('this attempt was completed meanwhile: send one PIN at a time');
    return answer(done, decided?.id ?? null, decision === 'step_up' ? PIN_TRIES - tries : null);
  };

  const at = deps.now();
  if (at.getTime() - event.createdAt.getTime() > STEP_UP_SECONDS * 1000) return finish('refused', 'step_up_expired', event.pinTries + 1);
  const people = await prisma.person.findMany({
    where: { id: { in: stepUpPeople(event) }, pinHash: { not: null } },
    select: { id: true, name: true, pinHash: true },
  });
  if (people.length === 0) return finish('refused', 'no_second_factor', event.pinTries + 1);
  // The try is counted before any PIN is checked (an atomic increment of the attempt's tries), then
  // the person's tries of the hour are summed, this one included: each parallel call, here or on
  // another instance, sees at least the tries committed before its own, so no more than
  // PIN_LOCKOUT_TRIES are ever checked. Across attempts: a thief with many borderline tries does
  // not get to walk the PIN space.
  const tries = await audit.reservePinTry(event.id, PIN_TRIES);
  if (tries === null) throw new InvalidInputError('this attempt was completed meanwhile: send one PIN at a time');
  const recent = await prisma.recognitionEvent.aggregate({
    _sum: { pinTries: true },
    where: {
      stepUpPersonId: { in: people.map((p) => p.id) },
      decision: { not: 'accepted' },
      createdAt: { gte: new Date(at.getTime() - 3_600_000) },
    },
  });
  if ((recent._sum.pinTries ?? 0) > PIN_LOCKOUT_TRIES) return finish('refused', 'pin_locked', tries, null, true);

  let match: { id: string; name: string } | null = null;
  for (const person of people) if (await verifyPin(person.pinHash!, pin)) match = { id: person.id, name: person.name };
  if (!match)
    return tries >= PIN_TRIES ? finish('refused', 'pin_failed', tries, null, true) : finish('step_up', event.reason, tries, null, true);
  const verdict = await policy.check(match.id, event.doorId, at);
  if (!verdict.allowed) return finish('refused', verdict.reason, tries, null, true);
  return finish('accepted', 'pin_ok', tries, match, true);
}
