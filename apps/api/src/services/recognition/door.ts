import { livenessPointsFor } from '@facegate/face-core';
import type { Scope } from '../../auth/api-keys.ts';
import { can, type Viewer } from '../../auth/viewer.ts';
import { InvalidInputError, NotFoundError, RateLimitedError, UnauthorizedError } from '../../errors.ts';
import { settingsAtDoor } from '../../policy/door-settings.ts';
import { decisionConfig } from '../settings/settings.ts';
import { refusal, type Attempt } from './attempt.ts';
import { MAX_FRAMES, type ImageInput, type RecognitionDeps } from './types.ts';

/** The door's settings over the global ones (threshold, step-up, liveness, frames, second factor), and its access rules. */
export async function atDoor(deps: RecognitionDeps, doorId: string | null) {
  const rules = await deps.policy.door(doorId);
  const local = settingsAtDoor(deps.settings.current(), rules?.settings ?? {});
  return { ...local, config: decisionConfig(local), rules, livenessPoints: livenessPointsFor(local.liveness, local.livenessLivePoint) };
}

export type DoorSettings = Awaited<ReturnType<typeof atDoor>>;

/**
 * Who may try, at which door. Checked here rather than by the schema so that a refused caller is
 * audited like any attempt: no or a revoked credential, a missing scope, a door key naming another
 * door, an unknown door. Returns the door the attempt is recorded at.
 */
async function admit(deps: RecognitionDeps, viewer: Viewer, scope: Scope, requested: string | null | undefined): Promise<string | null> {
  const doorExists = async (id: string | null | undefined) =>
    id ? (await deps.prisma.door.findUnique({ where: { id }, select: { id: true } })) !== null : false;
  const boundDoor = viewer.kind === 'apiKey' || viewer.kind === 'anonymous' ? (viewer.doorId ?? null) : null;
  const refuse = async (reason: string, error: Error) => {
    throw refusal(reason, error, { doorId: boundDoor ?? ((await doorExists(requested)) ? requested! : null) });
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

/**
 * The start of an attempt at a door, verification or identification: the caller admitted, the door's
 * settings read, the frames counted, the rate limit applied. Each refusal ends the attempt (audited).
 */
export async function enterDoor(
  deps: RecognitionDeps,
  attempt: Attempt,
  viewer: Viewer,
  scope: Scope,
  input: { doorId?: string | null; images: readonly ImageInput[] },
) {
  const doorId = await admit(deps, viewer, scope, input.doorId);
  const local = await atDoor(deps, doorId);
  // The door's name was read with its rules: the audit need not read it again.
  attempt.set({ threshold: local.threshold, doorId, ...(local.rules ? { doorLabel: local.rules.name } : {}) });
  const frames = input.images.length;
  if (frames === 0 || frames > MAX_FRAMES)
    throw refusal('invalid_input', new InvalidInputError(`send one photo or a burst of 2 to ${MAX_FRAMES} frames, not ${frames}`));
  const retryAfter = await deps.rateLimits.consume(viewer, doorId);
  if (retryAfter !== null) throw refusal('rate_limited', new RateLimitedError(retryAfter));
  return { doorId, local };
}
