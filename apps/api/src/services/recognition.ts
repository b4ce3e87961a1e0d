import { checkQuality, decideIdentification, decideVerification, fuseLivenessScores, livenessPointsFor, livenessVerdict, type DecisionConfig, type FaceDecision, type LivenessPoints, type LivenessVerdict, type StageTimings } from '@facegate/face-core';
import type { Scope } from '../auth/api-keys.ts';
import { can, type Viewer } from '../auth/viewer.ts';
import { BusyError, FaceRejectedError, InvalidInputError, NotFoundError, RateLimitedError, UnauthorizedError, UnavailableError, type FaceRejectionCode } from '../errors.ts';
import type { Gallery } from '../recognizer/gallery.ts';
import { isQueueFull, isWorkerExit, type Recognizer } from '../recognizer/pool.ts';
import { evaluateAccess, personAccessSelect, type AccessPolicy, type PersonAccess, type PolicyVerdict } from '../policy/access-policy.ts';
import { settingsAtDoor } from '../policy/door-settings.ts';
import { verifyPin } from '../policy/pin.ts';
import type { AdaptiveTemplates, DoorFrame } from './adaptive-templates.ts';
import type { AuditService, RecognitionEventRow } from './audit.ts';
import type { RateLimits } from './rate-limits.ts';
import { decisionConfig, type SettingsService } from './settings/settings.ts';
import { photoFacesOf, serializePhotoFaces, type PhotoFaces } from './photo-faces.ts';
import type { Prisma } from '../db/prisma.ts';

export type Decision = 'accepted' | 'refused' | 'step_up' | 'error';

/** The photo, or a function reading it (an upload), so that a refused upload is audited like any attempt. */
export type ImageInput = Uint8Array | (() => Promise<Uint8Array>);

/** A door may send a burst of frames of one attempt; the decision fuses those that pass the quality gates. */
export const MAX_FRAMES = 5;

/** A step-up waits this long for its second factor, then is refused as `step_up_expired`. */
export const STEP_UP_SECONDS = 60;
/** Wrong PINs allowed in one attempt; the last one refuses it as `pin_failed`. */
export const PIN_TRIES = 3;
/** Wrong PINs for one person, across attempts, in an hour, before their PIN is refused as `pin_locked`. */
export const PIN_LOCKOUT_TRIES = 10;

export interface VerifyInput {
  readonly personId?: string | null;
  readonly name?: string | null;
  readonly cardId?: string | null;
  /** One photo, or the frames of one attempt (1 to MAX_FRAMES). */
  readonly images: readonly ImageInput[];
  readonly doorId?: string | null;
}

export interface RecognitionOutcome {
  readonly decision: Decision;
  readonly reason: string;
  readonly distance: number | null;
  readonly threshold: number;
  /** Between threshold and this, the answer is STEP_UP (when step-up is on). */
  readonly stepUpThreshold: number;
  readonly personId: string | null;
  readonly candidates: readonly { personId: string; distance: number }[];
  readonly framesUsed: number;
  readonly event: RecognitionEventRow;
  /** STEP_UP: PIN tries left in this attempt (null when the person has no PIN to complete it with). */
  readonly pinTriesLeft?: number | null;
  /** What the detector saw in each frame analysed (every face, the one compared marked). */
  readonly photos?: readonly PhotoFaces[];
  /** The liveness points in force where the attempt was made (null: the check is off there). */
  readonly livenessPoints?: LivenessPoints | null;
}

const OUTCOME_DECISION = { accept: 'accepted', reject: 'refused', step_up: 'step_up' } as const;

/**
 * Verification (1:1) and identification (1:K) through face-core's decision layer: quality gates, the
 * calibrated threshold (for identification, for the gallery's size), the ambiguity margin, step-up
 * and frame fusion. Every attempt, refusals and errors included, writes exactly one audit event.
 */
export function createRecognitionService(deps: {
  prisma: Prisma;
  recognizer: Recognizer;
  gallery: Gallery;
  settings: SettingsService;
  audit: AuditService;
  rateLimits: RateLimits;
  policy: AccessPolicy;
  now: () => Date;
  /** Templates that learn the doors' cameras (off unless the site and the door turn it on). */
  adaptive: AdaptiveTemplates;
  /** Per-stage times of each photo analysed (metrics). */
  observeStages?: (timings: StageTimings) => void;
}) {
  const { prisma, recognizer, gallery, settings, audit, rateLimits, policy, now, adaptive } = deps;

  const doorExists = async (id: string | null | undefined) => (id ? (await prisma.door.findUnique({ where: { id }, select: { id: true } })) !== null : false);

  function actor(viewer: Viewer) {
    return {
      apiKeyId: viewer.kind === 'apiKey' ? viewer.id : viewer.kind === 'anonymous' ? (viewer.apiKeyId ?? null) : null,
      adminId: viewer.kind === 'admin' ? viewer.id : null,
    };
  }

  /**
   * Who may try, at which door. Checked here rather than by the schema so that a refused caller is
   * audited like any attempt: no or a revoked credential, a missing scope, a door key naming another
   * door, an unknown door. Returns the door the attempt is recorded at.
   */
  async function admit(viewer: Viewer, scope: Scope, requested: string | null | undefined, record: (doorId: string | null, reason: string) => Promise<RecognitionEventRow>): Promise<string | null> {
    const boundDoor = viewer.kind === 'apiKey' || viewer.kind === 'anonymous' ? (viewer.doorId ?? null) : null;
    const refuse = async (reason: string, error: Error) => {
      await record(boundDoor ?? ((await doorExists(requested)) ? requested! : null), reason);
      throw error;
    };
    if (!can(viewer, scope)) {
      const reason = viewer.kind === 'anonymous' ? (viewer.rejected ?? 'unauthenticated') : 'missing_scope';
      return refuse(reason, new UnauthorizedError());
    }
    if (boundDoor) {
      if (requested && requested !== boundDoor) return refuse('wrong_door', new UnauthorizedError('this API key belongs to another door'));
      return boundDoor;
    }
    if (!requested) return null;
    if (!(await doorExists(requested))) return refuse('unknown_door', new NotFoundError('door'));
    return requested;
  }

  /** The face engine's answer; an overload or a crash is audited before it is answered. */
  async function analyze(bytes: Uint8Array, record: RecordAttempt, liveness: boolean) {
    try {
      const result = await recognizer.analyze({ image: bytes, faces: 'largest', liveness });
      if (result.timings) deps.observeStages?.(result.timings);
      // Probes compare only with encodings of their own encoder (the gallery's, under its head if any);
      // a mismatch is a fault, audited and answered as one.
      const encoder = gallery.head?.encoderModelId ?? gallery.model;
      if (result.ok && result.model !== encoder) throw new Error(`the probe was encoded with ${result.model}; the gallery holds ${encoder}'s encodings`);
      return result;
    } catch (error) {
      const busy = isQueueFull(error);
      await record({ decision: 'error', reason: busy ? 'busy' : 'internal_error', model: '', framesUsed: 0 });
      if (busy) throw new BusyError(1);
      // The worker thread died under this photo (piscina replaces it): the door may simply retry.
      if (isWorkerExit(error)) throw new UnavailableError('the face engine stopped during this attempt (it was restarted): retry');
      throw error;
    }
  }

  async function checkFrameCount(images: readonly ImageInput[], record: () => Promise<RecognitionEventRow>) {
    if (images.length > 0 && images.length <= MAX_FRAMES) return;
    await record();
    throw new InvalidInputError(`send one photo or a burst of 2 to ${MAX_FRAMES} frames, not ${images.length}`);
  }

  type RecordAttempt = (fields: { decision: Decision; reason: string; model: string; framesUsed?: number; photoFaces?: string | null }) => Promise<RecognitionEventRow>;

  /**
   * Runs the face engine on every frame. Frames without a usable face are left out; when none has one,
   * the attempt is audited as an error and thrown as the first frame's typed error.
   */
  async function probe(
    images: readonly ImageInput[],
    record: RecordAttempt,
    points: LivenessPoints | null,
    gates: DecisionConfig['gates'],
  ): Promise<{ faces: DoorFrame[]; thumbnail: Uint8Array; model: string; liveness: number | null; livenessVerdict: LivenessVerdict | null; photos: PhotoFaces[]; photoFaces: string | null }> {
    const faces: DoorFrame[] = [];
    // Every face of every frame, so that a second face in the photo is shown, not silently dropped.
    const photos: PhotoFaces[] = [];
    // The liveness score of each face in `faces` that passed the quality gates (undefined otherwise).
    const frameLiveness: (number | undefined)[] = [];
    let thumbnail: Uint8Array | null = null;
    let model = '';
    let failure: { code: FaceRejectionCode; message: string } | null = null;
    for (const image of images) {
      let bytes: Uint8Array;
      try {
        bytes = typeof image === 'function' ? await image() : image;
      } catch (error) {
        if (!(error instanceof FaceRejectedError)) throw error;
        failure ??= { code: error.code as FaceRejectionCode, message: error.message };
        continue;
      }
      const result = await analyze(bytes, record, points !== null);
      model = result.model;
      const photo = photoFacesOf(result.photo, 'largest');
      if (photo) photos.push(photo);
      if (!result.ok) {
        failure ??= { code: result.code as FaceRejectionCode, message: result.message };
        continue;
      }
      const face = result.faces[0]!;
      faces.push({ encoding: face.encoding, quality: face.quality, thumbnail: face.thumbnail, score: face.score });
      thumbnail ??= face.thumbnail;
      // Liveness is judged on the frames fit to decide on: a face too small or blurred to compare is
      // refused by the quality gates for what it is, not scored as an attack.
      frameLiveness.push(face.liveness !== undefined && checkQuality(face.quality, gates).pass ? face.liveness : undefined);
    }
    if (faces.length === 0 || !thumbnail) {
      const code = failure?.code ?? 'NO_FACE';
      const event = await record({ decision: 'error', reason: code.toLowerCase(), model, framesUsed: 0, photoFaces: serializePhotoFaces(photos[0] ?? null) });
      throw new FaceRejectedError(code, failure?.message ?? 'no face found', event.id);
    }
    // A burst is live when most of its frames look live (fuseLivenessScores gives the measurements).
    const liveness = fuseLivenessScores(frameLiveness.filter((v) => v !== undefined));
    const verdict = points && liveness !== null ? livenessVerdict(liveness, points) : null;
    // A frame that looks worse than the burst is left out of the face decision: below the live point in
    // a live burst, below the attack point otherwise. A lookalike who flashes one print of the victim
    // among live frames of himself must not pull the fused template towards the victim.
    const cutoff = points === null ? null : verdict === 'live' ? points.live : points.attack;
    const decideOn = cutoff === null ? faces : faces.filter((_, i) => (frameLiveness[i] ?? 1) >= cutoff);
    // The audit keeps the boxes of the first frame (never the photo itself).
    return { faces: decideOn, thumbnail, model, liveness, livenessVerdict: verdict, photos, photoFaces: serializePhotoFaces(photos[0] ?? null) };
  }


  async function limit(viewer: Viewer, doorId: string | null, record: () => Promise<RecognitionEventRow>): Promise<void> {
    const retryAfter = await rateLimits.consume(viewer, doorId);
    if (retryAfter !== null) {
      await record();
      throw new RateLimitedError(retryAfter);
    }
  }

  /** The audit fields of a decision; a probe refused by the quality gates becomes a typed error too. */
  function decisionFields(decision: FaceDecision) {
    const rival = decision.rival ? gallery.get(decision.rival.identity) : undefined;
    return {
      distance: decision.distance,
      threshold: decision.threshold,
      framesUsed: decision.framesUsed,
      rivalPersonId: rival?.id ?? null,
      rivalLabel: rival?.name ?? null,
      rivalDistance: decision.rival?.distance ?? null,
      decision: OUTCOME_DECISION[decision.outcome],
      reason: decision.reason,
    };
  }

  /** The answer to the caller; a probe refused by the quality gates is a typed error (already audited). */
  function outcomeOf(decision: FaceDecision, event: RecognitionEventRow, personId: string | null, candidates: RecognitionOutcome['candidates']): RecognitionOutcome {
    if (decision.framesUsed === 0 && decision.message) throw new FaceRejectedError(decision.reason.toUpperCase() as FaceRejectionCode, decision.message, event.id);
    const { distance, threshold, stepUpThreshold, framesUsed } = decision;
    return { decision: OUTCOME_DECISION[decision.outcome], reason: decision.reason, distance, threshold, stepUpThreshold, personId, candidates, framesUsed, event };
  }

  /** The door's settings over the global ones (threshold, step-up, liveness, frames, second factor), and its access rules. */
  async function atDoor(doorId: string | null) {
    const rules = await policy.door(doorId);
    const local = settingsAtDoor(settings.current(), rules?.settings ?? {});
    return { ...local, config: decisionConfig(local), rules, livenessPoints: livenessPointsFor(local.liveness, local.livenessLivePoint) };
  }

  /**
   * After the face decision, the access policy and the door's rules: a face accepted or asking for a
   * step-up is checked against the person's groups, schedules and passes; a door that requires a PIN
   * turns an acceptance into a step-up; too few usable frames is a refusal. The answer and its audit
   * fields.
   */
  async function applyPolicy(
    decision: FaceDecision,
    doorId: string | null,
    local: Awaited<ReturnType<typeof atDoor>>,
    person: { id: string; name: string; access?: PersonAccess } | undefined,
    rival: { id: string; name: string } | undefined,
    liveness: LivenessVerdict | null,
  ): Promise<{ decision: Decision; reason: string; stepUpReason: string | null; decided: { id: string; name: string } | null; stepUpPersonId: string | null }> {
    const face = OUTCOME_DECISION[decision.outcome];
    if (face === 'refused' || !person) return { decision: 'refused', reason: decision.reason, stepUpReason: null, decided: null, stepUpPersonId: null };
    if (decision.framesUsed < local.minFrames) return { decision: 'refused', reason: 'too_few_frames', stepUpReason: null, decided: null, stepUpPersonId: null };
    const at = now();
    // The claimed person's access was read with them (verification); the person found is read now.
    let verdict: PolicyVerdict = person.access ? evaluateAccess(person.access, local.rules, doorId, at) : await policy.check(person.id, doorId, at, local.rules);
    // Two people too close to call: the PIN will say which; the attempt goes on if either may pass.
    if (!verdict.allowed && face === 'step_up' && rival && (await policy.check(rival.id, doorId, at, local.rules)).allowed) verdict = { allowed: true };
    // The person recognised is recorded even when the policy keeps the door shut (who tried, when).
    if (!verdict.allowed) return { decision: 'refused', reason: verdict.reason, stepUpReason: null, decided: person, stepUpPersonId: null };
    if (face === 'step_up') return { decision: 'step_up', reason: decision.reason, stepUpReason: decision.reason, decided: null, stepUpPersonId: person.id };
    // Neither clearly live nor clearly an attack: the person's PIN lets a live employee in, and keeps a
    // good print of them out.
    if (liveness === 'uncertain') return { decision: 'step_up', reason: 'liveness_uncertain', stepUpReason: 'liveness_uncertain', decided: null, stepUpPersonId: person.id };
    if (local.requirePin) return { decision: 'step_up', reason: 'pin_required', stepUpReason: 'pin_required', decided: null, stepUpPersonId: person.id };
    return { decision: 'accepted', reason: decision.reason, stepUpReason: null, decided: person, stepUpPersonId: null };
  }

  /** PIN tries left in a step-up, or null when nobody it could complete for has a PIN. */
  async function pinTriesLeft(event: RecognitionEventRow): Promise<number | null> {
    const ids = [event.stepUpPersonId, event.kind === 'identify' && event.reason === 'ambiguous' ? event.rivalPersonId : null].filter((id): id is string => !!id);
    const withPin = await prisma.person.count({ where: { id: { in: ids }, pinHash: { not: null } } });
    return withPin > 0 ? PIN_TRIES - event.pinTries : null;
  }

  async function outcomeWithPolicy(
    decision: FaceDecision,
    event: RecognitionEventRow,
    verdict: { decision: Decision; reason: string; decided: { id: string } | null },
    personId: string | null,
    candidates: RecognitionOutcome['candidates'],
  ): Promise<RecognitionOutcome> {
    const outcome = outcomeOf(decision, event, personId, candidates);
    return { ...outcome, decision: verdict.decision, reason: verdict.reason, pinTriesLeft: verdict.decision === 'step_up' ? await pinTriesLeft(event) : null };
  }

  return {
    async verify(viewer: Viewer, input: VerifyInput): Promise<RecognitionOutcome> {
      const claimedLabel = (input.name ?? input.cardId ?? input.personId ?? null)?.slice(0, 200) ?? null;
      const attempt = { kind: 'verify' as const, ...actor(viewer), threshold: settings.current().threshold, claimedLabel, frames: input.images.length };
      const doorId = await admit(viewer, 'verify', input.doorId, (door, reason) => audit.record({ ...attempt, doorId: door, model: '', decision: 'error', reason, framesUsed: 0 }));
      const local = await atDoor(doorId);
      const { threshold } = local;
      const base = { ...attempt, threshold, doorId };
      await checkFrameCount(input.images, () => audit.record({ ...base, model: '', decision: 'error', reason: 'invalid_input', framesUsed: 0 }));
      await limit(viewer, doorId, () => audit.record({ ...base, model: '', decision: 'error', reason: 'rate_limited', framesUsed: 0 }));

      // The person claimed, with what the access policy needs of them at this door (one read for both),
      // read once the photos are analysed: a pass revoked or a group left meanwhile (seconds when the
      // workers are busy) is seen. An attempt refused before then reads who was claimed for its record.
      const readClaimed = () =>
        prisma.person.findFirst({
          where: input.personId ? { id: input.personId } : input.cardId ? { cardId: input.cardId } : input.name ? { name: input.name } : { id: '' },
          select: { id: true, name: true, ...personAccessSelect(doorId) },
        });
      const claimedOf = (found: { id: string; name: string } | null) => ({ claimedPersonId: found?.id ?? null, claimedLabel: found?.name ?? claimedLabel });
      const face = await probe(input.images, async (fields) => audit.record({ ...base, ...claimedOf(await readClaimed()), ...fields }), local.livenessPoints, local.config.gates);
      const person = await readClaimed();
      const claimed = claimedOf(person);
      const framesUsed = face.faces.length;
      const refuse = async (reason: string): Promise<RecognitionOutcome> => {
        const event = await audit.record({ ...base, ...claimed, model: face.model, decision: 'refused', reason, thumbnail: face.thumbnail, framesUsed, livenessScore: face.liveness, photoFaces: face.photoFaces });
        return { decision: 'refused', reason, distance: null, threshold, stepUpThreshold: threshold, personId: person?.id ?? null, candidates: [], framesUsed, event, photos: face.photos, livenessPoints: local.livenessPoints };
      };
      if (face.livenessVerdict === 'attack') return refuse('presentation_attack');
      if (!person) return refuse('unknown_person');
      if (!person.active) return refuse('inactive');

      // The model of the encodings compared (the gallery's at this moment; probes are brought to it).
      const model = gallery.model;
      const decision = decideVerification(face.faces, person.id, gallery.database(), local.config);
      const verdict = await applyPolicy(decision, doorId, local, { id: person.id, name: person.name, access: person }, undefined, face.livenessVerdict);
      const learning = adaptive.learning({ doorId, enabled: local.adaptiveTemplates, acceptedPersonId: verdict.decision === 'accepted' ? (verdict.decided?.id ?? null) : null, live: face.livenessVerdict === 'live', decision, frames: face.faces });
      const event = await audit.record({
        ...base,
        ...claimed,
        ...decisionFields(decision),
        decision: verdict.decision,
        reason: verdict.reason,
        decidedPersonId: verdict.decided?.id ?? null,
        decidedLabel: verdict.decided?.name ?? null,
        stepUpReason: verdict.stepUpReason,
        stepUpPersonId: verdict.stepUpPersonId,
        model,
        thumbnail: face.thumbnail,
        livenessScore: face.liveness,
        photoFaces: face.photoFaces,
      }, learning);
      return { ...(await outcomeWithPolicy(decision, event, verdict, person.id, [])), photos: face.photos, livenessPoints: local.livenessPoints };
    },

    async identify(viewer: Viewer, input: { images: readonly ImageInput[]; doorId?: string | null; candidates?: number }): Promise<RecognitionOutcome> {
      const attempt = { kind: 'identify' as const, ...actor(viewer), threshold: settings.current().threshold, frames: input.images.length };
      const doorId = await admit(viewer, 'identify', input.doorId, (door, reason) => audit.record({ ...attempt, doorId: door, model: '', decision: 'error', reason, framesUsed: 0 }));
      const local = await atDoor(doorId);
      const base = { ...attempt, threshold: local.threshold, doorId };
      await checkFrameCount(input.images, () => audit.record({ ...base, model: '', decision: 'error', reason: 'invalid_input', framesUsed: 0 }));
      await limit(viewer, doorId, () => audit.record({ ...base, model: '', decision: 'error', reason: 'rate_limited', framesUsed: 0 }));
      const face = await probe(input.images, (fields) => audit.record({ ...base, ...fields }), local.livenessPoints, local.config.gates);
      if (face.livenessVerdict === 'attack') {
        const event = await audit.record({ ...base, model: face.model, decision: 'refused', reason: 'presentation_attack', thumbnail: face.thumbnail, framesUsed: face.faces.length, livenessScore: face.liveness, photoFaces: face.photoFaces });
        return { decision: 'refused', reason: 'presentation_attack', distance: null, threshold: base.threshold, stepUpThreshold: base.threshold, personId: null, candidates: [], framesUsed: face.faces.length, event, photos: face.photos, livenessPoints: local.livenessPoints };
      }
      const model = gallery.model;
      const decision = decideIdentification(face.faces, gallery.database(), local.config);
      // An ambiguous answer names nobody: the nearest person is the one a PIN would complete it for.
      const nearestId = decision.outcome === 'reject' ? null : (decision.identity ?? decision.candidates[0]?.identity ?? null);
      const nearest = nearestId !== null ? gallery.get(nearestId) : undefined;
      const rival = decision.rival ? gallery.get(decision.rival.identity) : undefined;
      const verdict = await applyPolicy(decision, doorId, local, nearest, rival, face.livenessVerdict);
      const learning = adaptive.learning({ doorId, enabled: local.adaptiveTemplates, acceptedPersonId: verdict.decision === 'accepted' ? (verdict.decided?.id ?? null) : null, live: face.livenessVerdict === 'live', decision, frames: face.faces });
      const event = await audit.record({
        ...base,
        ...decisionFields(decision),
        decision: verdict.decision,
        reason: verdict.reason,
        decidedPersonId: verdict.decided?.id ?? null,
        decidedLabel: verdict.decided?.name ?? null,
        stepUpReason: verdict.stepUpReason,
        stepUpPersonId: verdict.stepUpPersonId,
        model,
        thumbnail: face.thumbnail,
        livenessScore: face.liveness,
        photoFaces: face.photoFaces,
      }, learning);
      const count = Math.max(1, Math.min(input.candidates ?? 5, 20));
      const accepted = verdict.decision === 'accepted' ? (verdict.decided?.id ?? null) : null;
      const outcome = await outcomeWithPolicy(decision, event, verdict, accepted, decision.candidates.slice(0, count).map((c) => ({ personId: c.identity, distance: c.distance })));
      return { ...outcome, photos: face.photos, livenessPoints: local.livenessPoints };
    },

    /**
     * The second factor of a STEP_UP attempt: the PIN of the person recognised (for an ambiguous
     * identification, of either person too close to call; the PIN says which). Only the caller who made
     * the attempt may complete it, within STEP_UP_SECONDS and PIN_TRIES; every try updates the same
     * audit event, so the attempt stays one event. The policy is checked again for the person the PIN
     * names.
     */
    async completeStepUp(viewer: Viewer, attemptId: string, pin: string): Promise<RecognitionOutcome> {
      const event = await audit.get(attemptId);
      const own = event && (viewer.kind === 'apiKey' ? event.apiKeyId === viewer.id : viewer.kind === 'admin' ? event.adminId === viewer.id : false);
      if (!event || !own || !can(viewer, event.kind as Scope)) {
        // A PIN sent for an attempt that is not the caller's is an attempt at a door of its own: audited,
        // and answered "not found", which does not tell a stranger which attempts exist.
        const doorId = viewer.kind === 'apiKey' || viewer.kind === 'anonymous' ? (viewer.doorId ?? null) : null;
        await audit.record({ kind: event?.kind === 'identify' ? 'identify' : 'verify', ...actor(viewer), doorId, threshold: settings.current().threshold, model: '', decision: 'error', reason: 'unknown_attempt', frames: 0, framesUsed: 0 });
        throw new NotFoundError('step-up attempt');
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
      const finish = async (decision: Decision, reason: string, tries: number, decided: { id: string; name: string } | null = null, reserved = false) => {
        const done = await audit.complete(
          event.id,
          { decision: decision as 'accepted' | 'refused' | 'step_up', reason, pinTries: tries, decidedPersonId: decided?.id ?? null, decidedLabel: decided?.name ?? null },
          undefined,
          reserved,
        );
        if (!done) throw new InvalidInputError('this attempt was completed meanwhile: send one PIN at a time');
        return answer(done, decided?.id ?? null, decision === 'step_up' ? PIN_TRIES - tries : null);
      };

      const at = now();
      if (at.getTime() - event.createdAt.getTime() > STEP_UP_SECONDS * 1000) return finish('refused', 'step_up_expired', event.pinTries + 1);
      const ids = [event.stepUpPersonId, event.kind === 'identify' && event.reason === 'ambiguous' ? event.rivalPersonId : null].filter((id): id is string => !!id);
      const people = await prisma.person.findMany({ where: { id: { in: ids }, pinHash: { not: null } }, select: { id: true, name: true, pinHash: true } });
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
        where: { stepUpPersonId: { in: people.map((p) => p.id) }, decision: { not: 'accepted' }, createdAt: { gte: new Date(at.getTime() - 3_600_000) } },
      });
      if ((recent._sum.pinTries ?? 0) > PIN_LOCKOUT_TRIES) return finish('refused', 'pin_locked', tries, null, true);

      let match: { id: string; name: string } | null = null;
      for (const person of people) if (await verifyPin(person.pinHash!, pin)) match = { id: person.id, name: person.name };
      if (!match) return tries >= PIN_TRIES ? finish('refused', 'pin_failed', tries, null, true) : finish('step_up', event.reason, tries, null, true);
      const verdict = await policy.check(match.id, event.doorId, at);
      if (!verdict.allowed) return finish('refused', verdict.reason, tries, null, true);
      return finish('accepted', 'pin_ok', tries, match, true);
    },
  };
}

export type RecognitionService = ReturnType<typeof createRecognitionService>;
