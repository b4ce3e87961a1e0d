import { createHash } from 'node:crypto';
import { MergeIntoSelfError, NotFoundError } from '../../errors.ts';
import { erasePersonFromEvents } from '../../events/erasure.ts';
import type { Prisma } from '../../db/prisma.ts';

/** What the audit log calls an erased person: stable per person, so their events still group, but no name. */
export function erasedPseudonym(personId: string): string {
  return `erased-${createHash('sha256').update(personId).digest('hex').slice(0, 10)}`;
}

/** Erasing a person, alone or merged into another: nothing of theirs is left under their name. */
export function createPersonErasure(
  prisma: Prisma,
  /** Db.checkpoint: SQLite's write-ahead log emptied, off the event loop. */
  checkpoint: () => Promise<void>,
  changed: (ids: string[]) => Promise<void>,
) {
  /** After the erasing transaction: the events out lose the id, SQLite's log is emptied, the gallery reloads `changed`. */
  async function forget(id: string, changedIds: string[]) {
    await erasePersonFromEvents(prisma, id);
    await checkpoint();
    await changed(changedIds);
  }

  return {
    /**
     * Erases the person: every face sample (encodings and thumbnails, by cascade), and in the audit log
     * every face image of an attempt that claimed, matched or named them; the events stay, with their
     * decision and distance, under a pseudonym instead of the name. On SQLite the freed pages are
     * zeroed (secure_delete) and the write-ahead log is checkpointed, so no byte of theirs is left in
     * the files; on PostgreSQL dead rows stay until VACUUM (see the README).
     */
    async delete(id: string) {
      const person = await prisma.person.findUnique({ where: { id }, include: { _count: { select: { samples: true } } } });
      if (!person) throw new NotFoundError('person');
      const pseudonym = erasedPseudonym(id);
      // An attempt refused before its claim was resolved (wrong door, rate-limited, not an image) kept
      // only what was typed: the person's name, card id or id. Those name them too.
      const claimedAs = [person.name, person.cardId, id].filter((label): label is string => !!label).map((label) => label.slice(0, 200));
      const claimed = { OR: [{ claimedPersonId: id }, { claimedPersonId: null, claimedLabel: { in: claimedAs } }] };
      const theirs = { OR: [...claimed.OR, { decidedPersonId: id }, { rivalPersonId: id }, { stepUpPersonId: id }] };
      // Each role naming them is pseudonymised and its salt forgotten: the audit chain stays valid
      // (it covers the role's salted hash, see audit-chain.ts) and that hash no longer leads to them.
      const [events, erasedImages] = await prisma.$transaction([
        prisma.recognitionEvent.count({ where: theirs }),
        prisma.recognitionEvent.updateMany({ where: { ...theirs, thumbnail: { not: null } }, data: { thumbnail: null } }),
        prisma.recognitionEvent.updateMany({ where: claimed, data: { claimedLabel: pseudonym, claimedPersonId: null, claimedSalt: null } }),
        prisma.recognitionEvent.updateMany({
          where: { decidedPersonId: id },
          data: { decidedLabel: pseudonym, decidedPersonId: null, decidedSalt: null },
        }),
        prisma.recognitionEvent.updateMany({
          where: { rivalPersonId: id },
          data: { rivalLabel: pseudonym, rivalPersonId: null, rivalSalt: null },
        }),
        prisma.recognitionEvent.updateMany({ where: { stepUpPersonId: id }, data: { stepUpPersonId: null, stepUpSalt: null } }),
        // The administrators' log keeps what was done to them, under the same pseudonym.
        prisma.adminAction.updateMany({ where: { personId: id }, data: { personId: null, targetId: null, targetLabel: pseudonym } }),
        prisma.person.delete({ where: { id } }),
      ]);
      await forget(id, [id]);
      return {
        id,
        name: person.name,
        samplesErased: person._count.samples,
        auditImagesErased: erasedImages.count,
        auditEventsPseudonymised: events,
      };
    },

    /**
     * Merges `fromId` into `intoId` (one person enrolled twice): `from`'s face samples, visitor passes,
     * group memberships, audit events (each rewrite a new link of the chain: `reassignAudit`) and admin
     * log rows become `into`'s; `into` keeps its card and PIN, or takes `from`'s when it has none. Then
     * `from` is erased: the record goes, claims typed with its name or card are pseudonymised, and events
     * out not yet delivered lose its id.
     */
    async merge(intoId: string, fromId: string, reassignAudit: (from: string, to: string) => Promise<number>) {
      if (intoId === fromId) throw new MergeIntoSelfError();
      const [into, from] = await Promise.all(
        [intoId, fromId].map((id) => prisma.person.findUnique({ where: { id }, include: { groups: { select: { groupId: true } } } })),
      );
      if (!into) throw new NotFoundError('the person to merge into');
      if (!from) throw new NotFoundError('the person to merge');
      const groupsAdded = from.groups.map((g) => g.groupId).filter((id) => !into.groups.some((g) => g.groupId === id));
      const [samples, passes] = await prisma.$transaction([
        prisma.faceSample.updateMany({ where: { personId: fromId }, data: { personId: intoId } }),
        prisma.visitorPass.updateMany({ where: { personId: fromId }, data: { personId: intoId } }),
        prisma.groupMember.createMany({ data: groupsAdded.map((groupId) => ({ groupId, personId: intoId })) }),
        prisma.groupMember.deleteMany({ where: { personId: fromId } }),
        prisma.adminAction.updateMany({ where: { personId: fromId, targetType: 'person' }, data: { personId: intoId, targetId: intoId } }),
        prisma.adminAction.updateMany({ where: { personId: fromId }, data: { personId: intoId } }),
        // The card is unique: freed from `from` before `into` may take it.
        prisma.person.update({ where: { id: fromId }, data: { cardId: null } }),
        prisma.person.update({
          where: { id: intoId },
          data: { cardId: into.cardId ?? from.cardId, pinHash: into.pinHash ?? from.pinHash },
        }),
      ]);
      const auditEvents = await reassignAudit(fromId, intoId);
      // What was typed to claim `from` (not resolved to a person) and is not also `into`'s name or card.
      const intoLabels = new Set([into.name, into.cardId, intoId]);
      const typed = [from.name, from.cardId, fromId]
        .filter((label): label is string => !!label && !intoLabels.has(label))
        .map((label) => label.slice(0, 200));
      await prisma.$transaction([
        prisma.recognitionEvent.updateMany({
          where: { claimedPersonId: null, claimedLabel: { in: typed } },
          data: { claimedLabel: erasedPseudonym(fromId), claimedSalt: null },
        }),
        prisma.person.delete({ where: { id: fromId } }),
      ]);
      await forget(fromId, [intoId, fromId]);
      return {
        person: (await prisma.person.findUnique({ where: { id: intoId } }))!,
        mergedId: fromId,
        samplesMoved: samples.count,
        passesMoved: passes.count,
        groupsAdded: groupsAdded.length,
        auditEventsMoved: auditEvents,
        cardMoved: !into.cardId && !!from.cardId,
        pinMoved: !into.pinHash && !!from.pinHash,
      };
    },
  };
}
