import { decideIdentification, decideVerification, readLivenessArtefact, type FaceDecision, type ProbeFace, type StageTimings } from '@facegate/face-core';
import type { Scope } from '../auth/api-keys.ts';
import { can, type Viewer } from '../context.ts';
import { BusyError, FaceRejectedError, InvalidInputError, NotFoundError, RateLimitedError, UnauthorizedError, type FaceRejectionCode } from '../errors.ts';
import type { Gallery } from '../recognizer/gallery.ts';
import { isQueueFull, type Recognizer } from '../recognizer/pool.ts';
import type { AuditService, RecognitionEventRow } from './audit.ts';
import type { RateLimits } from './rate-limits.ts';
import type { SettingsService } from './settings.ts';
import type { Prisma } from './prisma.ts';

export type Decision = 'accepted' | 'refused' | 'step_up' | 'error';

/** The photo, or a function reading it (an upload), so that a refused upload is audited like any attempt. */
export type ImageInput = Uint8Array | (() => Promise<Uint8Array>);

/** A door may send a burst of frames of one attempt; the decision fuses those that pass the quality gates. */
export const MAX_FRAMES = 5;

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
  /** Per-stage times of each photo analysed (metrics). */
  observeStages?: (timings: StageTimings) => void;
}) {
  const { prisma, recognizer, gallery, settings, audit, rateLimits } = deps;
  // The liveness operating points of the trained artefact, read once when first needed.
  let livenessThresholds: Promise<{ balanced: number; strict: number }> | undefined;

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
  async function analyze(bytes: Uint8Array, record: RecordAttempt) {
    try {
      const result = await recognizer.analyze({ image: bytes, faces: 'largest', liveness: settings.current().liveness !== 'off' });
      if (result.timings) deps.observeStages?.(result.timings);
      return result;
    } catch (error) {
      const busy = isQueueFull(error);
      await record({ decision: 'error', reason: busy ? 'busy' : 'internal_error', model: '', framesUsed: 0 });
      throw busy ? new BusyError(1) : error;
    }
  }

  async function checkFrameCount(images: readonly ImageInput[], record: () => Promise<RecognitionEventRow>) {
    if (images.length > 0 && images.length <= MAX_FRAMES) return;
    await record();
    throw new InvalidInputError(`send one photo or a burst of 2 to ${MAX_FRAMES} frames, not ${images.length}`);
  }

  type RecordAttempt = (fields: { decision: Decision; reason: string; model: string; framesUsed?: number }) => Promise<RecognitionEventRow>;

  /**
   * Runs the face engine on every frame. Frames without a usable face are left out; when none has one,
   * the attempt is audited as an error and thrown as the first frame's typed error.
   */
  async function probe(images: readonly ImageInput[], record: RecordAttempt): Promise<{ faces: ProbeFace[]; thumbnail: Uint8Array; model: string; liveness: number | null }> {
    const faces: ProbeFace[] = [];
    let liveness: number | null = null;
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
      const result = await analyze(bytes, record);
      model = result.model;
      if (!result.ok) {
        failure ??= { code: result.code as FaceRejectionCode, message: result.message };
        continue;
      }
      const face = result.faces[0]!;
      faces.push({ encoding: face.encoding, quality: face.quality });
      thumbnail ??= face.thumbnail;
      if (face.liveness !== undefined) liveness = Math.min(liveness ?? 1, face.liveness);
    }
    if (faces.length === 0 || !thumbnail) {
      const code = failure?.code ?? 'NO_FACE';
      const event = await record({ decision: 'error', reason: code.toLowerCase(), model, framesUsed: 0 });
      throw new FaceRejectedError(code, failure?.message ?? 'no face found', event.id);
    }
    return { faces, thumbnail, model, liveness };
  }

  /**
   * A printed photo or a screen: when the check is on and any frame's face scores under the operating
   * point's threshold, the attempt is refused as a presentation attack before any comparison.
   */
  async function presentationAttack(liveness: number | null): Promise<boolean> {
    const mode = settings.current().liveness;
    if (mode === 'off' || liveness === null) return false;
    livenessThresholds ??= readLivenessArtefact().then((a) => a.thresholds);
    return liveness < (await livenessThresholds)[mode];
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

  return {
    async verify(viewer: Viewer, input: VerifyInput): Promise<RecognitionOutcome> {
      const config = settings.decisionConfig();
      const { threshold } = settings.current();
      const claimedLabel = (input.name ?? input.cardId ?? input.personId ?? null)?.slice(0, 200) ?? null;
      const attempt = { kind: 'verify' as const, ...actor(viewer), threshold, claimedLabel, frames: input.images.length };
      const doorId = await admit(viewer, 'verify', input.doorId, (door, reason) => audit.record({ ...attempt, doorId: door, model: '', decision: 'error', reason, framesUsed: 0 }));
      const base = { ...attempt, doorId };
      await checkFrameCount(input.images, () => audit.record({ ...base, model: '', decision: 'error', reason: 'invalid_input', framesUsed: 0 }));
      await limit(viewer, doorId, () => audit.record({ ...base, model: '', decision: 'error', reason: 'rate_limited', framesUsed: 0 }));

      const person = await prisma.person.findFirst({
        where: input.personId ? { id: input.personId } : input.cardId ? { cardId: input.cardId } : input.name ? { name: input.name } : { id: '' },
        select: { id: true, name: true, active: true },
      });
      const claimed = { claimedPersonId: person?.id ?? null, claimedLabel: person?.name ?? claimedLabel };
      const face = await probe(input.images, (fields) => audit.record({ ...base, ...claimed, ...fields }));
      const framesUsed = face.faces.length;
      const refuse = async (reason: string): Promise<RecognitionOutcome> => {
        const event = await audit.record({ ...base, ...claimed, model: face.model, decision: 'refused', reason, thumbnail: face.thumbnail, framesUsed, livenessScore: face.liveness });
        return { decision: 'refused', reason, distance: null, threshold, stepUpThreshold: threshold, personId: person?.id ?? null, candidates: [], framesUsed, event };
      };
      if (await presentationAttack(face.liveness)) return refuse('presentation_attack');
      if (!person) return refuse('unknown_person');
      if (!person.active) return refuse('inactive');

      const decision = decideVerification(face.faces, person.id, gallery.database(), config);
      const accepted = decision.outcome === 'accept';
      const event = await audit.record({
        ...base,
        ...claimed,
        ...decisionFields(decision),
        decidedPersonId: accepted ? person.id : null,
        decidedLabel: accepted ? person.name : null,
        model: face.model,
        thumbnail: face.thumbnail,
        livenessScore: face.liveness,
      });
      return outcomeOf(decision, event, person.id, []);
    },

    async identify(viewer: Viewer, input: { images: readonly ImageInput[]; doorId?: string | null; candidates?: number }): Promise<RecognitionOutcome> {
      const config = settings.decisionConfig();
      const attempt = { kind: 'identify' as const, ...actor(viewer), threshold: settings.current().threshold, frames: input.images.length };
      const doorId = await admit(viewer, 'identify', input.doorId, (door, reason) => audit.record({ ...attempt, doorId: door, model: '', decision: 'error', reason, framesUsed: 0 }));
      const base = { ...attempt, doorId };
      await checkFrameCount(input.images, () => audit.record({ ...base, model: '', decision: 'error', reason: 'invalid_input', framesUsed: 0 }));
      await limit(viewer, doorId, () => audit.record({ ...base, model: '', decision: 'error', reason: 'rate_limited', framesUsed: 0 }));
      const face = await probe(input.images, (fields) => audit.record({ ...base, ...fields }));
      if (await presentationAttack(face.liveness)) {
        const event = await audit.record({ ...base, model: face.model, decision: 'refused', reason: 'presentation_attack', thumbnail: face.thumbnail, framesUsed: face.faces.length, livenessScore: face.liveness });
        return { decision: 'refused', reason: 'presentation_attack', distance: null, threshold: base.threshold, stepUpThreshold: base.threshold, personId: null, candidates: [], framesUsed: face.faces.length, event };
      }
      const decision = decideIdentification(face.faces, gallery.database(), config);
      const accepted = decision.outcome === 'accept' ? gallery.get(decision.identity!) : undefined;
      const event = await audit.record({
        ...base,
        ...decisionFields(decision),
        decidedPersonId: accepted?.id ?? null,
        decidedLabel: accepted?.name ?? null,
        model: face.model,
        thumbnail: face.thumbnail,
        livenessScore: face.liveness,
      });
      const count = Math.max(1, Math.min(input.candidates ?? 5, 20));
      return outcomeOf(decision, event, accepted?.id ?? null, decision.candidates.slice(0, count).map((c) => ({ personId: c.identity, distance: c.distance })));
    },
  };
}

export type RecognitionService = ReturnType<typeof createRecognitionService>;
