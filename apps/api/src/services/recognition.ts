import type { Viewer } from '../auth/viewer.ts';
import { identify } from './recognition/identify.ts';
import { completeStepUp } from './recognition/step-up.ts';
import type { IdentifyInput, RecognitionDeps, VerifyInput } from './recognition/types.ts';
import { verify } from './recognition/verify.ts';

export {
  MAX_FRAMES,
  PIN_LOCKOUT_TRIES,
  PIN_TRIES,
  STEP_UP_SECONDS,
  type Decision,
  type IdentifyInput,
  type ImageInput,
  type RecognitionOutcome,
  type VerifyInput,
} from './recognition/types.ts';

/**
 * Verification (1:1) and identification (1:K) through face-core's decision layer: quality gates, the
 * calibrated threshold (for identification, for the gallery's size), the ambiguity margin, step-up
 * and frame fusion; and the step-up's second factor. Every attempt, refusals and errors included, is
 * one audit event: each flow runs in recognition/attempt.ts's runAttempt, the one place it is recorded.
 */
export function createRecognitionService(deps: RecognitionDeps) {
  return {
    verify: (viewer: Viewer, input: VerifyInput) => verify(deps, viewer, input),
    identify: (viewer: Viewer, input: IdentifyInput) => identify(deps, viewer, input),
    completeStepUp: (viewer: Viewer, attemptId: string, pin: string) => completeStepUp(deps, viewer, attemptId, pin),
  };
}

export type RecognitionService = ReturnType<typeof createRecognitionService>;
