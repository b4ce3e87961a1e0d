import { decideVerification } from '@facegate/face-core';
import type { Viewer } from '../../auth/viewer.ts';
import { personAccessSelect } from '../../policy/access-policy.ts';
import { actorOf, Attempt, Refusal, runAttempt } from './attempt.ts';
import { probed, refusedBeforeDecision, settle } from './decide.ts';
import { enterDoor } from './door.ts';
import { probe } from './frames.ts';
import type { RecognitionDeps, RecognitionOutcome, VerifyInput } from './types.ts';

/** Verification (1:1): is this the person claimed (by id, name or card)? One attempt, one audit event. */
export function verify(deps: RecognitionDeps, viewer: Viewer, input: VerifyInput): Promise<RecognitionOutcome> {
  const claimedLabel = (input.name ?? input.cardId ?? input.personId ?? null)?.slice(0, 200) ?? null;
  const attempt = new Attempt({
    kind: 'verify',
    ...actorOf(viewer),
    doorId: null,
    threshold: deps.settings.current().threshold,
    claimedLabel,
    frames: input.images.length,
  });
  return runAttempt(deps.audit, attempt, async () => {
    const { doorId, local } = await enterDoor(deps, attempt, viewer, 'verify', input);
    // The person claimed, with what the access policy needs of them at this door (one read for both),
    // read once the photos are analysed: a pass revoked or a group left meanwhile (seconds when the
    // workers are busy) is seen. An attempt refused before then reads who was claimed for its record.
    const readClaimed = () =>
      deps.prisma.person.findFirst({
        where: input.personId
          ? { id: input.personId }
          : input.cardId
            ? { cardId: input.cardId }
            : input.name
              ? { name: input.name }
              : { id: '' },
        select: { id: true, name: true, ...personAccessSelect(doorId) },
      });
    const claimedOf = (found: { id: string; name: string } | null) => ({
      claimedPersonId: found?.id ?? null,
      claimedLabel: found?.name ?? claimedLabel,
    });
    const face = await probe(deps, input.images, local.livenessPoints, local.config.gates).catch(async (error: unknown) => {
      if (error instanceof Refusal) attempt.set(claimedOf(await readClaimed()));
      throw error;
    });
    const person = await readClaimed();
    attempt.set(claimedOf(person));
    probed(attempt, face);
    if (face.livenessVerdict === 'attack') return refusedBeforeDecision(attempt, 'presentation_attack', face, local, person?.id ?? null);
    if (!person) return refusedBeforeDecision(attempt, 'unknown_person', face, local, null);
    if (!person.active) return refusedBeforeDecision(attempt, 'inactive', face, local, person.id);

    // The model of the encodings compared (the gallery's at this moment; probes are brought to it).
    attempt.set({ model: deps.gallery.model });
    const decision = decideVerification(face.faces, person.id, deps.gallery.database(), local.config);
    const { answer } = await settle(deps, attempt, {
      decision,
      doorId,
      local,
      face,
      person: { id: person.id, name: person.name, access: person },
    });
    return answer(person.id, []);
  });
}
