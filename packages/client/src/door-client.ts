import { DoorRequestError, type DoorError } from './errors.ts';
import type { DoorEventFragment, DoorResultFragment, RecognitionEventFilter } from './generated/graphql.ts';
import {
  CompleteStepUpDocument,
  IdentifyFaceDocument,
  RecognitionEventsDocument,
  VerifyFaceDocument,
  WhoAmIDocument,
} from './operations.ts';
import { createTransport, type TransportOptions } from './transport.ts';

export type { Decision, RecognitionEventFilter } from './generated/graphql.ts';

/** What a door learns of an attempt: the decision, why, and (accepted) who. */
export type DoorResult = DoorResultFragment;
/** One audit event, as the `recognitionEvents` subscription streams it (needs audit:read). */
export type DoorEvent = DoorEventFragment;

/** A decision (ACCEPTED, REFUSED, STEP_UP, ERROR) or a typed error result (BusyError, FaceRejectedError...). */
export type DoorAnswer = { ok: true; result: DoorResult } | { ok: false; error: DoorError };

/** A camera frame: a Blob or File, or the bytes of a JPEG/PNG/WebP. */
export type Frame = Blob | Uint8Array;

/** Who the person at the door claims to be (verification, 1:1): a swiped card, a name or a person id. */
export type Claim = { cardId: string } | { name: string } | { personId: string };

export interface AttemptOptions {
  /** For keys not bound to a door; a door key is always its own door. */
  doorId?: string;
  signal?: AbortSignal;
}

/** A burst is 2-5 frames of one attempt (the API fuses those passing the quality gates). */
export const MAX_FRAMES = 5;

function toBlobs(frames: Frame | readonly Frame[]): Blob[] {
  const list = Array.isArray(frames) ? (frames as readonly Frame[]) : [frames as Frame];
  if (list.length < 1 || list.length > MAX_FRAMES)
    throw new RangeError(`send 1 photo or a burst of 2-${MAX_FRAMES} frames, not ${list.length}`);
  return list.map((frame, i) => (frame instanceof Blob ? frame : new File([new Uint8Array(frame)], `frame-${i}.jpg`)));
}

/** One photo goes as `image`, a burst as `frames`. */
function images(frames: Frame | readonly Frame[]): { image: Blob } | { frames: Blob[] } {
  const blobs = toBlobs(frames);
  return blobs.length === 1 ? { image: blobs[0]! } : { frames: blobs };
}

function answer(result: { __typename: string; data: DoorResult } | DoorError): DoorAnswer {
  return 'data' in result ? { ok: true, result: result.data } : { ok: false, error: result };
}

/** The decision, or a `DoorRequestError` thrown for a typed error result. */
export function unwrap(result: DoorAnswer): DoorResult {
  if (!result.ok) throw new DoorRequestError(result.error);
  return result.result;
}

/**
 * A typed client for a door (or anything that plays one): verification, identification, the PIN
 * step-up and the live audit stream. Expected failures come back as typed results (`ok: false`);
 * transport and GraphQL errors are thrown (`FacegateHttpError`, `FacegateNetworkError`, `FacegateGraphQLError`).
 */
export function createDoorClient(options: TransportOptions) {
  const transport = createTransport(options);
  return {
    /** 1:1 - is this face the person claimed? */
    async verifyFace(claim: Claim, frames: Frame | readonly Frame[], attempt: AttemptOptions = {}): Promise<DoorAnswer> {
      const data = await transport.request(
        VerifyFaceDocument,
        { input: { ...claim, ...images(frames), doorId: attempt.doorId ?? null } },
        attempt.signal,
      );
      return answer(data.verifyFace);
    },
    /** 1:K - who is this, or nobody known. */
    async identifyFace(frames: Frame | readonly Frame[], attempt: AttemptOptions = {}): Promise<DoorAnswer> {
      const data = await transport.request(IdentifyFaceDocument, { ...images(frames), doorId: attempt.doorId ?? null }, attempt.signal);
      return answer(data.identifyFace);
    },
    /** The second factor of a STEP_UP answer, by the same key, before `stepUpExpiresAt`. */
    async completeStepUp(attemptId: string, pin: string, signal?: AbortSignal): Promise<DoorAnswer> {
      const data = await transport.request(CompleteStepUpDocument, { attemptId, pin }, signal);
      return answer(data.completeStepUp);
    },
    /** Who the key is and what it may do (e.g. whether it can watch events: AUDIT_READ). */
    async whoAmI(signal?: AbortSignal) {
      return (await transport.request(WhoAmIDocument, {}, signal)).me;
    },
    /**
     * Every new attempt as it happens (needs audit:read). Abort `signal` to stop. Await `ready` before
     * making attempts you expect to see; iterate `events`.
     */
    recognitionEvents(
      filter: RecognitionEventFilter | null = null,
      signal?: AbortSignal,
    ): { ready: Promise<void>; events: AsyncGenerator<DoorEvent> } {
      const { ready, events } = transport.subscribe(RecognitionEventsDocument, { filter }, signal);
      async function* unwrapped(): AsyncGenerator<DoorEvent> {
        for await (const data of events) yield data.recognitionEvents;
      }
      return { ready, events: unwrapped() };
    },
  };
}

export type DoorClient = ReturnType<typeof createDoorClient>;
