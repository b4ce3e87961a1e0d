import { l2Distance, type Encoding, type GalleryRule } from '@facegate/face-core';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import type { DataCipher } from '../db/sealed.ts';
import type { Gallery } from '../recognizer/gallery.ts';
import type { Recognizer } from '../recognizer/pool.ts';
import { completeLinkage } from './clustering.ts';
import type { PeopleService, RejectedPhoto } from './people/index.ts';
import type { Prisma, RecognitionEventModel } from '../db/prisma.ts';

/**
 * Refusals a face may never be learned from, whatever an administrator clicks:
 * - presentation_attack: a photo or a screen held to the camera; enrolling it enrols the attack;
 * - face_too_small: the kept face is the 150x150 aligned chip, an upscaled copy of a face too small to
 *   compare; its eyes are always ~53 px apart on the chip, so the enrolment gate cannot see the problem;
 * - pin_failed, pin_locked: a face near someone that then failed their PIN is the impostor's;
 * - step_up_expired, no_second_factor: a face near someone (inside the step-up band, over the threshold
 *   the duplicate check uses) whose PIN never came: possibly an impostor who walked away from the prompt,
 *   whom an administrator could otherwise learn into the very person they resemble.
 * Other quality-gate refusals (blur, pose, light) are listed: enrolment runs the gates again on the chip
 * (its sharpness reads lower than the photo's, so it is the stricter test) and refuses what fails.
 */
export const NEVER_LEARNED = [
  'presentation_attack',
  'face_too_small',
  'pin_failed',
  'pin_locked',
  'step_up_expired',
  'no_second_factor',
] as const;

/** Unknown and refused faces whose image is still kept: refused, nobody recognised, not excluded above. */
const LEARNABLE = { thumbnail: { not: null }, decision: 'refused', decidedPersonId: null, reason: { notIn: [...NEVER_LEARNED] } };

export const MAX_DOOR_FACES = 300;
export const MAX_LEARNED_AT_ONCE = 50;

export interface DoorFace {
  readonly event: RecognitionEventModel;
  /** The chip read again by the face engine: its encoding, or why it cannot be enrolled. */
  readonly encoding: Encoding | null;
  readonly code: string | null;
  readonly message: string | null;
  /** The nearest enrolled person (a hint, never a decision) and how far. */
  readonly nearest: { readonly personId: string; readonly name: string; readonly distance: number } | null;
}

export interface DoorFaceGroup {
  readonly faces: readonly DoorFace[];
  /** The largest distance between two faces of the group (0 for one face). */
  readonly spread: number;
}

type Reading = { encoding: Encoding } | { code: string; message: string };

export function createDoorFaces(deps: {
  prisma: Prisma;
  cipher: DataCipher;
  recognizer: Recognizer;
  gallery: Gallery;
  people: PeopleService;
  threshold: () => number;
  rule: () => GalleryRule;
}) {
  const { prisma, cipher, recognizer, gallery, people } = deps;
  // Audit images never change (they are only erased), so their readings are kept; bounded, oldest out.
  const readings = new Map<string, Reading>();

  async function read(event: { id: string; thumbnail: Uint8Array | null }): Promise<Reading> {
    const cached = readings.get(event.id);
    if (cached) return cached;
    const result = await recognizer.analyze({ image: cipher.open(event.thumbnail!), faces: 'one' });
    const reading: Reading = result.ok ? { encoding: result.faces[0]!.encoding } : { code: result.code, message: result.message };
    readings.set(event.id, reading);
    if (readings.size > 2 * MAX_DOOR_FACES) readings.delete(readings.keys().next().value!);
    return reading;
  }

  return {
    /**
     * The last `last` learnable faces, grouped: every two faces of a group are nearer than the
     * deployment's verification threshold (complete linkage, services/clustering.ts). That threshold,
     * because it is the distance at which this deployment's doors, and enrolment's duplicate check, take
     * two faces for one person: a group is "faces the doors would call one person", no more, and a
     * stricter or looser number would be a second, unexplained notion of "the same person".
     */
    async groups(
      last: number,
    ): Promise<{ threshold: number; considered: number; groups: DoorFaceGroup[]; unreadable: DoorFace[]; recognised: DoorFace[] }> {
      const events = await prisma.recognitionEvent.findMany({
        where: LEARNABLE,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: Math.max(1, Math.min(last, MAX_DOOR_FACES)),
      });
      const faces: DoorFace[] = [];
      const unreadable: DoorFace[] = [];
      // One at a time: the pool serves the doors first (a full queue would refuse them as BUSY).
      for (const event of events) {
        const reading = await read(event);
        if ('code' in reading) {
          unreadable.push({ event, encoding: null, code: reading.code, message: reading.message, nearest: null });
          continue;
        }
        const nearest = gallery.nearest(reading.encoding, deps.rule(), 1)[0];
        faces.push({
          event,
          encoding: reading.encoding,
          code: null,
          message: null,
          nearest: nearest ? { personId: nearest.person.id, name: nearest.person.name, distance: nearest.distance } : null,
        });
      }
      const threshold = deps.threshold();
      // A face the doors would now take for someone enrolled (within the threshold: learned since, or
      // an enrolled person refused for another reason, e.g. claiming someone else) is not unknown: it
      // is set apart, so that nobody adds it again or to a second person (enrolment would refuse it
      // as a duplicate anyway).
      const recognised = faces.filter((f) => f.nearest && f.nearest.distance < threshold);
      const unknown = faces.filter((f) => !recognised.includes(f));
      const groups = completeLinkage(
        unknown.map((f) => f.encoding!),
        threshold,
      ).map((indices) => {
        const members = indices.map((i) => unknown[i]!);
        let spread = 0;
        for (const a of members) for (const b of members) spread = Math.max(spread, l2Distance(a.encoding!, b.encoding!));
        return { faces: members, spread };
      });
      return { threshold, considered: events.length, groups, unreadable, recognised };
    },

    /**
     * Adds door faces to a person (`personId`) or to a new one (`newPersonName`), through enrolment
     * itself: the same quality gates and duplicate check as an uploaded photo, no override of either.
     * Each event is checked again here (still learnable, image still kept): the ids come from a client.
     */
    async learn(
      eventIds: readonly string[],
      target: { personId?: string | null; newPersonName?: string | null; confirmDuplicateName?: boolean },
    ) {
      const ids = [...new Set(eventIds)];
      if (ids.length === 0) throw new InvalidInputError('choose at least one face');
      if (ids.length > MAX_LEARNED_AT_ONCE) throw new InvalidInputError(`at most ${MAX_LEARNED_AT_ONCE} faces at once`);
      if (!target.personId === !target.newPersonName?.trim()) throw new InvalidInputError('choose a person, or name a new one (not both)');
      const events = await prisma.recognitionEvent.findMany({ where: { id: { in: ids } } });
      const learnable = new Set(
        (await prisma.recognitionEvent.findMany({ where: { id: { in: ids }, ...LEARNABLE }, select: { id: true } })).map((e) => e.id),
      );
      const byId = new Map(events.map((e) => [e.id, e]));
      const refused: (RejectedPhoto & { eventId: string })[] = [];
      const photos: { eventId: string; filename: string; bytes: Uint8Array }[] = [];
      ids.forEach((id, index) => {
        const event = byId.get(id);
        if (!event) return void refused.push({ index, eventId: id, filename: id, code: 'NOT_FOUND', message: 'no such audit event' });
        if (!event.thumbnail)
          return void refused.push({
            index,
            eventId: id,
            filename: id,
            code: 'IMAGE_ERASED',
            message: 'the face image of this attempt is no longer kept',
          });
        if (!learnable.has(id))
          return void refused.push({
            index,
            eventId: id,
            filename: id,
            code: 'NOT_LEARNABLE',
            message: `a face ${event.decision} (${event.reason}) is not learned from: only unknown, refused faces, never presentation attacks, faces too small, failed PINs or PINs never given`,
          });
        photos.push({ eventId: id, filename: `attempt ${id}`, bytes: cipher.open(event.thumbnail) });
      });
      const indexOf = (i: number) => ids.indexOf(photos[i]!.eventId);
      const withEvent = (r: RejectedPhoto) => ({ ...r, index: indexOf(r.index), eventId: photos[r.index]!.eventId });
      if (photos.length === 0)
        return { person: target.personId ? await people.get(target.personId) : null, enrolled: [], rejected: refused };
      if (target.personId) {
        if (!(await people.get(target.personId))) throw new NotFoundError('person');
        const result = await people.enroll(target.personId, photos);
        return {
          person: await people.get(target.personId),
          enrolled: result.enrolled,
          rejected: [...refused, ...result.rejected.map(withEvent)].sort((a, b) => a.index - b.index),
        };
      }
      const result = await people.createEnrolled(target.newPersonName!.trim(), photos, {
        confirmDuplicateName: target.confirmDuplicateName ?? false,
      });
      return {
        person: result.person,
        enrolled: result.enrolled,
        rejected: [...refused, ...result.rejected.map(withEvent)].sort((a, b) => a.index - b.index),
      };
    },
  };
}

export type DoorFacesService = ReturnType<typeof createDoorFaces>;
