import { decideIdentification } from '@facegate/face-core';
import type { Viewer } from '../../auth/viewer.ts';
import { actorOf, Attempt, runAttempt } from './attempt.ts';
import { probed, refusedBeforeDecision, settle } from './decide.ts';
import { enterDoor } from './door.ts';
import { probe } from './frames.ts';
import type { IdentifyInput, RecognitionDeps, RecognitionOutcome } from './types.ts';

/** Identification (1:K): who is this, among everyone enrolled? One attempt, one audit event. */
export function identify(deps: RecognitionDeps, viewer: Viewer, input: IdentifyInput): Promise<RecognitionOutcome> {
  const { gallery } = deps;
  const attempt = new Attempt({
    kind: 'identify',
    ...actorOf(viewer),
    doorId: null,
    threshold: deps.settings.current().threshold,
    frames: input.images.length,
  });
  return runAttempt(deps.audit, attempt, async () => {
    const { doorId, local } = await enterDoor(deps, attempt, viewer, 'identify', input);
    const face = await probe(deps, input.images, local.livenessPoints, local.config.gates);
    probed(attempt, face);
    if (face.livenessVerdict === 'attack') return refusedBeforeDecision(attempt, 'presentation_attack', face, local, null);

    attempt.set({ model: gallery.model });
    const decision = decideIdentification(face.faces, gallery.database(), local.config);
    // An ambiguous answer names nobody: the nearest person is the one a PIN would complete it for.
    const nearestId = decision.outcome === 'reject' ? null : (decision.identity ?? decision.candidates[0]?.identity ?? null);
    const nearest = nearestId !== null ? gallery.get(nearestId) : undefined;
    const rival = decision.rival ? gallery.get(decision.rival.identity) : undefined;
    const { accepted, answer } = await settle(deps, attempt, { decision, doorId, local, face, person: nearest, rival });
    const count = Math.max(1, Math.min(input.candidates ?? 5, 20));
    return answer(
      accepted,
      decision.candidates.slice(0, count).map((c) => ({ personId: c.identity, distance: c.distance })),
    );
  });
}
