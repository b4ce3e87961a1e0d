import type { Encoding } from '@facegate/face-core';
import type { Viewer } from '../context.ts';
import { FaceRejectedError, NotFoundError, RateLimitedError, UnauthorizedError } from '../errors.ts';
import type { Gallery, GalleryMatch } from '../recognizer/gallery.ts';
import type { Recognizer } from '../recognizer/pool.ts';
import type { AuditService, RecognitionEventRow } from './audit.ts';
import type { RateLimits } from './rate-limits.ts';
import type { SettingsService } from './settings.ts';
import type { Prisma } from './prisma.ts';

export type Decision = 'accepted' | 'refused' | 'error';

/** The photo, or a function reading it (an upload), so that a refused upload is audited like any attempt. */
export type ImageInput = Uint8Array | (() => Promise<Uint8Array>);

export interface VerifyInput {
  readonly personId?: string | null;
  readonly name?: string | null;
  readonly cardId?: string | null;
  readonly image: ImageInput;
  readonly doorId?: string | null;
}

export interface RecognitionOutcome {
  readonly decision: Decision;
  readonly reason: string;
  readonly distance: number | null;
  readonly threshold: number;
  readonly personId: string | null;
  readonly candidates: readonly { personId: string; distance: number }[];
  readonly event: RecognitionEventRow;
}

/** Verification (1:1) and identification (1:K). Every attempt, refusals and errors included, writes exactly one audit event. */
export function createRecognitionService(deps: {
  prisma: Prisma;
  recognizer: Recognizer;
  gallery: Gallery;
  settings: SettingsService;
  audit: AuditService;
  rateLimits: RateLimits;
}) {
  const { prisma, recognizer, gallery, settings, audit, rateLimits } = deps;

  /** A door key is bound to its door; others may name any existing door. */
  async function doorFor(viewer: Viewer, requested: string | null | undefined): Promise<string | null> {
    if (viewer.kind === 'apiKey' && viewer.doorId) {
      if (requested && requested !== viewer.doorId) throw new UnauthorizedError('this API key belongs to another door');
      return viewer.doorId;
    }
    if (!requested) return null;
    if (!(await prisma.door.findUnique({ where: { id: requested }, select: { id: true } }))) throw new NotFoundError('door');
    return requested;
  }

  function actor(viewer: Viewer) {
    return { apiKeyId: viewer.kind === 'apiKey' ? viewer.id : null, adminId: viewer.kind === 'admin' ? viewer.id : null };
  }

  /** Runs the face engine; a photo it refuses is audited as an error and thrown as a typed error. */
  async function probe(image: ImageInput, record: (reason: string, model: string) => Promise<RecognitionEventRow>): Promise<{ encoding: Encoding; thumbnail: Uint8Array; model: string }> {
    let bytes: Uint8Array;
    try {
      bytes = typeof image === 'function' ? await image() : image;
    } catch (error) {
      if (!(error instanceof FaceRejectedError)) throw error;
      const event = await record(error.code.toLowerCase(), '');
      throw new FaceRejectedError(error.code as 'IMAGE_TOO_LARGE', error.message, event.id);
    }
    const result = await recognizer.analyze({ image: bytes, faces: 'largest' });
    if (!result.ok) {
      const event = await record(result.code.toLowerCase(), result.model);
      throw new FaceRejectedError(result.code as 'NO_FACE', result.message, event.id);
    }
    const face = result.faces[0]!;
    return { encoding: face.encoding, thumbnail: face.thumbnail, model: result.model };
  }

  async function limit(viewer: Viewer, doorId: string | null, record: () => Promise<RecognitionEventRow>): Promise<void> {
    const retryAfter = await rateLimits.consume(viewer, doorId);
    if (retryAfter !== null) {
      await record();
      throw new RateLimitedError(retryAfter);
    }
  }

  return {
    async verify(viewer: Viewer, input: VerifyInput): Promise<RecognitionOutcome> {
      const doorId = await doorFor(viewer, input.doorId);
      const { threshold, rule } = settings.current();
      const claimedLabel = input.name ?? input.cardId ?? input.personId ?? null;
      const base = { kind: 'verify' as const, doorId, ...actor(viewer), threshold, claimedLabel };
      await limit(viewer, doorId, () => audit.record({ ...base, model: '', decision: 'error', reason: 'rate_limited' }));

      const person = await prisma.person.findFirst({
        where: input.personId ? { id: input.personId } : input.cardId ? { cardId: input.cardId } : input.name ? { name: input.name } : { id: '' },
        select: { id: true, name: true, active: true },
      });
      const claimed = { claimedPersonId: person?.id ?? null, claimedLabel: person?.name ?? claimedLabel };
      const face = await probe(input.image, (reason, model) => audit.record({ ...base, ...claimed, model, decision: 'error', reason }));
      if (!person) {
        const event = await audit.record({ ...base, ...claimed, model: face.model, decision: 'refused', reason: 'unknown_person', thumbnail: face.thumbnail });
        return { decision: 'refused', reason: 'unknown_person', distance: null, threshold, personId: null, candidates: [], event };
      }
      const distance = gallery.distanceTo(person.id, face.encoding, rule);
      const match = distance < threshold;
      const reason = !person.active ? 'inactive' : match ? 'match' : Number.isFinite(distance) ? 'no_match' : 'not_enrolled';
      const decision: Decision = match && person.active ? 'accepted' : 'refused';
      const event = await audit.record({
        ...base,
        ...claimed,
        decidedPersonId: decision === 'accepted' ? person.id : null,
        decidedLabel: decision === 'accepted' ? person.name : null,
        distance: Number.isFinite(distance) ? distance : null,
        model: face.model,
        decision,
        reason,
        thumbnail: face.thumbnail,
      });
      return { decision, reason, distance: Number.isFinite(distance) ? distance : null, threshold, personId: person.id, candidates: [], event };
    },

    async identify(viewer: Viewer, input: { image: ImageInput; doorId?: string | null; candidates?: number }): Promise<RecognitionOutcome> {
      const doorId = await doorFor(viewer, input.doorId);
      const { threshold, rule } = settings.current();
      const base = { kind: 'identify' as const, doorId, ...actor(viewer), threshold };
      await limit(viewer, doorId, () => audit.record({ ...base, model: '', decision: 'error', reason: 'rate_limited' }));
      const face = await probe(input.image, (reason, model) => audit.record({ ...base, model, decision: 'error', reason }));
      const nearest: GalleryMatch[] = gallery.nearest(face.encoding, rule, Math.max(1, Math.min(input.candidates ?? 5, 20)));
      const best = nearest[0];
      const accepted = best !== undefined && best.distance < threshold;
      const event = await audit.record({
        ...base,
        decidedPersonId: accepted ? best.person.id : null,
        decidedLabel: accepted ? best.person.name : null,
        distance: best?.distance ?? null,
        model: face.model,
        decision: accepted ? 'accepted' : 'refused',
        reason: accepted ? 'match' : 'not_in_database',
        thumbnail: face.thumbnail,
      });
      return {
        decision: accepted ? 'accepted' : 'refused',
        reason: accepted ? 'match' : 'not_in_database',
        distance: best?.distance ?? null,
        threshold,
        personId: accepted ? best.person.id : null,
        candidates: nearest.map((m) => ({ personId: m.person.id, distance: m.distance })),
        event,
      };
    },
  };
}

export type RecognitionService = ReturnType<typeof createRecognitionService>;
