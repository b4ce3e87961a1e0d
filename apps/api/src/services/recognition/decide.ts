import type { FaceDecision, LivenessVerdict } from '@facegate/face-core';
import { FaceRejectedError, type FaceRejectionCode } from '../../errors.ts';
import { evaluateAccess, type PersonAccess, type PolicyVerdict } from '../../policy/access-policy.ts';
import { Refusal, type Answer, type Attempt } from './attempt.ts';
import type { DoorSettings } from './door.ts';
import type { Probe } from './frames.ts';
import { pinTriesLeft } from './step-up.ts';
import type { Decision, RecognitionDeps, RecognitionOutcome } from './types.ts';

const OUTCOME_DECISION = { accept: 'accepted', reject: 'refused', step_up: 'step_up' } as const;

type Person = { id: string; name: string; access?: PersonAccess };

interface Verdict {
  decision: Decision;
  reason: string;
  stepUpReason: string | null;
  decided: { id: string; name: string } | null;
  stepUpPersonId: string | null;
}

/**
 * After the face decision, the access policy and the door's rules: a face accepted or asking for a
 * step-up is checked against the person's groups, schedules and passes; a door that requires a PIN
 * turns an acceptance into a step-up; too few usable frames is a refusal.
 */
async function applyPolicy(
  deps: RecognitionDeps,
  decision: FaceDecision,
  doorId: string | null,
  local: DoorSettings,
  person: Person | undefined,
  rival: Person | undefined,
  liveness: LivenessVerdict | null,
): Promise<Verdict> {
  const face = OUTCOME_DECISION[decision.outcome];
  if (face === 'refused' || !person)
    return { decision: 'refused', reason: decision.reason, stepUpReason: null, decided: null, stepUpPersonId: null };
  if (decision.framesUsed < local.minFrames)
    return { decision: 'refused', reason: 'too_few_frames', stepUpReason: null, decided: null, stepUpPersonId: null };
  const at = deps.now();
  // The claimed person's access was read with them (verification); the person found is read now.
  let verdict: PolicyVerdict = person.access
    ? evaluateAccess(person.access, local.rules, doorId, at)
    : await deps.policy.check(person.id, doorId, at, local.rules);
  // Two people too close to call: the PIN will say which; the attempt goes on if either may pass.
  if (!verdict.allowed && face === 'step_up' && rival && (await deps.policy.check(rival.id, doorId, at, local.rules)).allowed)
    verdict = { allowed: true };
  // The person recognised is recorded even when the policy keeps the door shut (who tried, when).
  if (!verdict.allowed) return { decision: 'refused', reason: verdict.reason, stepUpReason: null, decided: person, stepUpPersonId: null };
  if (face === 'step_up')
    return { decision: 'step_up', reason: decision.reason, stepUpReason: decision.reason, decided: null, stepUpPersonId: person.id };
  // Neither clearly live nor clearly an attack: the person's PIN lets a live employee in, and keeps a
  // good print of them out.
  if (liveness === 'uncertain')
    return {
      decision: 'step_up',
      reason: 'liveness_uncertain',
      stepUpReason: 'liveness_uncertain',
      decided: null,
      stepUpPersonId: person.id,
    };
  if (local.requirePin)
    return { decision: 'step_up', reason: 'pin_required', stepUpReason: 'pin_required', decided: null, stepUpPersonId: person.id };
  return { decision: 'accepted', reason: decision.reason, stepUpReason: null, decided: person, stepUpPersonId: null };
}

/** The frames analysed, on the attempt's record. */
export function probed(attempt: Attempt, face: Probe): void {
  attempt.set({
    model: face.model,
    thumbnail: face.thumbnail,
    framesUsed: face.faces.length,
    livenessScore: face.liveness,
    photoFaces: face.photoFaces,
  });
}

/** An attempt refused before the face decision (a presentation attack, an unknown or inactive person). */
export function refusedBeforeDecision(
  attempt: Attempt,
  reason: string,
  face: Probe,
  local: DoorSettings,
  personId: string | null,
): Answer<RecognitionOutcome> {
  attempt.set({ decision: 'refused', reason });
  const { threshold, livenessPoints } = local;
  return (event) => ({
    decision: 'refused',
    reason,
    distance: null,
    threshold,
    stepUpThreshold: threshold,
    personId,
    candidates: [],
    framesUsed: face.faces.length,
    event,
    photos: face.photos,
    livenessPoints,
  });
}

/**
 * The face decision through the policy, on the attempt's record with what it learns (adaptive
 * templates). A probe whose every frame the quality gates refused ends as a Refusal (a typed error).
 */
export async function settle(
  deps: RecognitionDeps,
  attempt: Attempt,
  at: { decision: FaceDecision; doorId: string | null; local: DoorSettings; face: Probe; person: Person | undefined; rival?: Person },
) {
  const { decision, doorId, local, face } = at;
  const verdict = await applyPolicy(deps, decision, doorId, local, at.person, at.rival, face.livenessVerdict);
  const rival = decision.rival ? deps.gallery.get(decision.rival.identity) : undefined;
  attempt.set({
    distance: decision.distance,
    threshold: decision.threshold,
    framesUsed: decision.framesUsed,
    rivalPersonId: rival?.id ?? null,
    rivalLabel: rival?.name ?? null,
    rivalDistance: decision.rival?.distance ?? null,
    decision: verdict.decision,
    reason: verdict.reason,
    decidedPersonId: verdict.decided?.id ?? null,
    decidedLabel: verdict.decided?.name ?? null,
    stepUpReason: verdict.stepUpReason,
    stepUpPersonId: verdict.stepUpPersonId,
  });
  const accepted = verdict.decision === 'accepted' ? (verdict.decided?.id ?? null) : null;
  attempt.learning = deps.adaptive.learning({
    doorId,
    enabled: local.adaptiveTemplates,
    acceptedPersonId: accepted,
    live: face.livenessVerdict === 'live',
    decision,
    frames: face.faces,
  });
  if (decision.framesUsed === 0 && decision.message) {
    const { reason, message } = decision;
    throw new Refusal({}, (event) => new FaceRejectedError(reason.toUpperCase() as FaceRejectionCode, message, event.id));
  }
  /** The answer, once recorded. */
  const answer =
    (personId: string | null, candidates: RecognitionOutcome['candidates']): Answer<RecognitionOutcome> =>
    async (event) => ({
      decision: verdict.decision,
      reason: verdict.reason,
      distance: decision.distance,
      threshold: decision.threshold,
      stepUpThreshold: decision.stepUpThreshold,
      personId,
      candidates,
      framesUsed: decision.framesUsed,
      event,
      pinTriesLeft: verdict.decision === 'step_up' ? await pinTriesLeft(deps.prisma, event) : null,
      photos: face.photos,
      livenessPoints: local.livenessPoints,
    });
  return { accepted, answer };
}
