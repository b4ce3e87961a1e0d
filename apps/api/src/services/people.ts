import { createHash } from 'node:crypto';
import { checkQuality, DEFAULT_QUALITY_GATES, distanceToPerson, type Encoding, type FaceQuality } from '@facegate/face-core';
import { DuplicateNameError, InvalidInputError, MergeIntoSelfError, NotFoundError } from '../errors.ts';
import { controlCharacterIn } from '../input-limits.ts';
import type { ActiveModel, GalleryPerson } from '../recognizer/gallery.ts';
import type { Recognizer } from '../recognizer/pool.ts';
import { decodeEncoding, encodeEncoding } from '../db/codecs.ts';
import type { DataCipher } from '../db/sealed.ts';
import { erasePersonFromEvents } from '../events/erasure.ts';
import { CHOSEN_OTHERS_NOTE, photoFacesOf, serializePhotoFaces, type PhotoFaces } from './photo-faces.ts';
import type { Prisma } from '../db/prisma.ts';

/** Why a photo is not enrolled, in words an administrator understands. */
export interface RejectedPhoto {
  readonly index: number;
  readonly filename: string;
  readonly code: string;
  readonly message: string;
  /** DUPLICATE_FACE: the enrolled person this face was taken for, and how near; ALREADY_ENROLLED: the person it is already a sample of. */
  readonly duplicateOf?: { readonly personId: string; readonly distance: number };
  /** What the detector saw (every face, with boxes), when the photo could be decoded. */
  readonly photo?: PhotoFaces | null;
  /** The face's measures, when one face was found (the quality gates' pass/fail is shown from them). */
  readonly quality?: FaceQuality;
}

/** What the audit log calls an erased person: stable per person, so their events still group, but no name. */
export function erasedPseudonym(personId: string): string {
  return `erased-${createHash('sha256').update(personId).digest('hex').slice(0, 10)}`;
}

/** The enrolled person (other than `self`) a new face would be taken for, if any (composition.ts). */
export type DuplicateFinder = (encoding: Encoding, self: string | null) => { personId: string; name: string; distance: number } | null;

/** How far (L2, in the encoder's space) a face is from one of the person's own samples, or Infinity (composition.ts). */
export type OwnSampleDistance = (encoding: Encoding, personId: string) => number;

/**
 * Under this distance from one of the same person's samples, a photo is the one already enrolled (the
 * same file, or the same picture re-encoded): reported ALREADY_ENROLLED and not stored again. Measured
 * (docs/dashboard.md): the same bytes 0.000, the same photo resized to 90 % and re-saved at JPEG quality 70
 * 0.024; the nearest two different photos of one person among deepface's 134 same-person pairs 0.139.
 */
export const SAME_PHOTO_DISTANCE = 0.06;

/** A box in the photo's decoded pixels: the face an administrator chose in a photo of several people. */
export interface FaceBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A photo to enrol; `face`: the face chosen in a photo of several (the detected face that overlaps it most). */
export interface PhotoInput {
  readonly filename: string;
  readonly bytes: Uint8Array;
  readonly face?: FaceBox | null;
}

/** Intersection over union of two boxes. */
function overlap(a: FaceBox, b: FaceBox): number {
  const w = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const h = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  return (w * h) / (a.width * a.height + b.width * b.height - w * h);
}

/** A chosen box matches a detected face from this overlap (the same face seen at two detector settings overlaps far more). */
const CHOSEN_FACE_OVERLAP = 0.5;

export interface PersonInput {
  readonly name?: string | null;
  readonly cardId?: string | null;
  readonly notes?: string | null;
  readonly active?: boolean | null;
}

export function createPeopleService(deps: {
  prisma: Prisma;
  provider: 'sqlite' | 'postgresql';
  cipher: DataCipher;
  recognizer: Recognizer;
  modelId: string;
  /** The model decisions use now: enrolments are stored in it (the recognizer gives the encoder's). */
  activeModel?: () => ActiveModel;
  changed: (ids: string[]) => Promise<void>;
  findDuplicate: DuplicateFinder;
  ownSampleDistance: OwnSampleDistance;
  /** After an erasure: the database's log emptied, so the erased pages are gone from it (Db.checkpoint). */
  checkpoint: () => Promise<void>;
}) {
  const { prisma, provider, cipher, recognizer, modelId, changed, findDuplicate, ownSampleDistance } = deps;

  function where(search?: string | null) {
    const term = search?.trim();
    if (!term) return {};
    // PostgreSQL compares case-sensitively unless told; SQLite's LIKE already ignores ASCII case.
    const contains = provider === 'postgresql' ? { contains: term, mode: 'insensitive' as const } : { contains: term };
    return { OR: [{ name: contains }, { cardId: term }] };
  }

  /**
   * The whole gallery (at start, after a model switch) in two plain queries, rows rather than Prisma's
   * nested objects: with 100,000 people those dominated the time to ready. Same rows and order as
   * loadGallery's query for some people.
   */
  async function loadWholeGallery(model: string): Promise<GalleryPerson[]> {
    const people = await prisma.$queryRaw<{ id: string; name: string; cardId: string | null; active: boolean | number | bigint }[]>`
      SELECT "id", "name", "cardId", "active" FROM "Person"`;
    const samples = await prisma.$queryRaw<{ personId: string; model: string; encoding: Uint8Array; modelEncoding: Uint8Array | null }[]>`
      SELECT s."personId", s."model", s."encoding", e."encoding" AS "modelEncoding"
      FROM "FaceSample" s
      LEFT JOIN "SampleEncoding" e ON e."sampleId" = s."id" AND e."model" = ${model} AND e."source" <> 'failed'
      WHERE s."model" = ${model} OR e."sampleId" IS NOT NULL
      ORDER BY s."personId", s."createdAt", s."id"`;
    const encodings = new Map<string, Encoding[]>();
    for (const row of samples) {
      const sealed = row.model === model ? row.encoding : row.modelEncoding!;
      const list = encodings.get(row.personId) ?? [];
      list.push(decodeEncoding(cipher.open(new Uint8Array(sealed))));
      encodings.set(row.personId, list);
    }
    return people.map((p) => ({
      id: p.id,
      name: p.name,
      cardId: p.cardId,
      active: Boolean(p.active),
      encodings: encodings.get(p.id) ?? [],
    }));
  }

  function clean(input: PersonInput) {
    const name = input.name?.trim();
    if (input.name !== undefined && !name) throw new InvalidInputError('a person needs a name');
    if (name && name.length > 200) throw new InvalidInputError('the name is longer than 200 characters');
    const cardId = input.cardId === undefined ? undefined : input.cardId?.trim() || null;
    // Here too, not only at the GraphQL layer: the facegate command and bulk imports name people from folders.
    for (const [field, value] of [
      ['name', name],
      ['cardId', cardId],
    ] as const) {
      const problem = value ? controlCharacterIn(field, value) : null;
      if (problem) throw new InvalidInputError(problem);
    }
    return {
      ...(name ? { name } : {}),
      ...(cardId !== undefined ? { cardId } : {}),
      ...(input.notes !== undefined ? { notes: input.notes?.trim() || null } : {}),
      ...(input.active !== undefined && input.active !== null ? { active: input.active } : {}),
    };
  }

  async function assertCardFree(cardId: string | null | undefined, except?: string) {
    if (!cardId) return;
    const holder = await prisma.person.findUnique({ where: { cardId }, select: { id: true, name: true } });
    if (holder && holder.id !== except) throw new InvalidInputError(`card ${cardId} already belongs to ${holder.name}`);
  }

  /**
   * The face engine's answer for every photo, in parallel on the pool (the downscaled original included:
   * it is kept beside the chip). A photo with a face chosen is searched for every face, small ones too.
   */
  const recognize = (photos: readonly PhotoInput[]) =>
    Promise.all(photos.map((photo) => recognizer.analyze({ image: photo.bytes, faces: photo.face ? 'all' : 'one', original: true })));

  /**
   * Runs the face engine on every photo (in parallel, on the pool) and applies the enrolment rules: the
   * probe quality gates (a weak reference makes every later comparison weak), and no face that an
   * enrolled person other than `self` would be taken for, unless `allowDuplicates`. A photo already
   * enrolled for `self` (or given twice in this batch) is reported ALREADY_ENROLLED and stored once:
   * importing the same archive twice, or two identical webcam frames, add nothing.
   */
  async function analyze(photos: readonly PhotoInput[], self: string | null, allowDuplicates: boolean, recognized = recognize(photos)) {
    const rejected: RejectedPhoto[] = [];
    const selfName = self ? (await prisma.person.findUnique({ where: { id: self }, select: { name: true } }))?.name : undefined;
    // This batch's faces kept so far (encoder encodings), with their file names.
    const kept: { encoding: Encoding; filename: string }[] = [];
    const samples: Omit<Parameters<typeof prisma.faceSample.create>[0]['data'] & { personId: string }, 'personId' | 'person'>[] = [];
    const results = await recognized;
    results.forEach((result, index) => {
      const { filename, face: chosen } = photos[index]!;
      let photo = photoFacesOf(result.photo, chosen ? 'largest' : 'one');
      if (!result.ok) {
        // Several faces: how many were found, and that the smallest may not be (the admin may choose one).
        const found = photo?.faces.length ?? 0;
        const message =
          result.code === 'MULTIPLE_FACES' && found > 1
            ? `${found} faces were found in this photo (very small faces may be missed): choose the face to enrol, or use a photo of the person alone`
            : result.message;
        return void rejected.push({ index, filename, code: result.code, message, photo });
      }
      let pick = 0;
      if (chosen && photo) {
        const overlaps = photo.faces.map((f) => overlap(f, chosen));
        pick = overlaps.indexOf(Math.max(...overlaps));
        if (!(overlaps[pick]! >= CHOSEN_FACE_OVERLAP)) {
          return void rejected.push({
            index,
            filename,
            code: 'NO_SUCH_FACE',
            message: `no face was found where the face was chosen (${photo.faces.length} ${photo.faces.length === 1 ? 'face' : 'faces'} found in this photo)`,
            photo: { ...photo, used: null },
          });
        }
        photo = { ...photo, used: pick, othersNote: photo.faces.length > 1 ? CHOSEN_OTHERS_NOTE : null };
      }
      const face = result.faces[pick]!;
      // Compared (duplicates) and stored only in the gallery's encoder: a mismatch is a fault, not a photo's.
      const active = deps.activeModel?.();
      const encoder = active ? (active.head?.encoderModelId ?? active.model) : result.model;
      if (result.model !== encoder) throw new Error(`the photo was encoded with ${result.model}; the gallery holds ${encoder}'s encodings`);
      const quality = checkQuality(face.quality, DEFAULT_QUALITY_GATES);
      if (!quality.pass)
        return void rejected.push({ index, filename, code: quality.reason, message: quality.message, photo, quality: face.quality });
      const own = self ? ownSampleDistance(face.encoding, self) : Number.POSITIVE_INFINITY;
      if (own < SAME_PHOTO_DISTANCE) {
        return void rejected.push({
          index,
          filename,
          code: 'ALREADY_ENROLLED',
          message: `this photo is already enrolled for ${selfName ?? 'this person'} (distance ${own.toFixed(3)} from one of their samples): not stored again`,
          duplicateOf: { personId: self!, distance: own },
          photo,
          quality: face.quality,
        });
      }
      const twin = kept.findIndex((k) => distanceToPerson(face.encoding, [k.encoding], 'nearest') < SAME_PHOTO_DISTANCE);
      if (twin >= 0) {
        return void rejected.push({
          index,
          filename,
          code: 'ALREADY_ENROLLED',
          message: `this photo is the same as ${kept[twin]!.filename}, given in this batch: stored once`,
          photo,
          quality: face.quality,
        });
      }
      const duplicate = allowDuplicates ? null : findDuplicate(face.encoding, self);
      if (duplicate) {
        return void rejected.push({
          index,
          filename,
          code: 'DUPLICATE_FACE',
          message: `this face matches ${duplicate.name} (distance ${duplicate.distance.toFixed(3)}); enrol it anyway only if they are different people`,
          duplicateOf: { personId: duplicate.personId, distance: duplicate.distance },
          photo,
          quality: face.quality,
        });
      }
      kept.push({ encoding: face.encoding, filename });
      // Stored in the model decisions use now (a learned head applied to the encoder's encoding).
      samples.push({
        encoding: cipher.seal(encodeEncoding(active?.head ? active.head.apply(face.encoding) : face.encoding)),
        model: active?.head ? active.model : result.model,
        thumbnail: cipher.seal(face.thumbnail),
        detectionScore: face.score,
        eyeDistancePx: face.quality.eyeDistancePx,
        sharpness: face.quality.sharpness,
        brightness: face.quality.brightness,
        yawDeg: face.quality.yawDeg,
        pitchDeg: face.quality.pitchDeg,
        original: result.original ? cipher.seal(result.original) : null,
        photoFaces: serializePhotoFaces(photo),
      });
    });
    return { samples, rejected };
  }

  return {
    list: (search: string | null | undefined, offset: number, limit: number) =>
      prisma.person.findMany({ where: where(search), orderBy: [{ name: 'asc' }, { id: 'asc' }], skip: offset, take: limit }),
    count: (search?: string | null) => prisma.person.count({ where: where(search) }),
    get: (id: string) => prisma.person.findUnique({ where: { id } }),
    samples: (personId: string) => prisma.faceSample.findMany({ where: { personId }, orderBy: { createdAt: 'asc' } }),
    /** The first sample's thumbnail alone: lists show one face per person, not every sample's blobs. */
    async firstThumbnail(personId: string) {
      const stored = (
        await prisma.faceSample.findFirst({ where: { personId }, orderBy: { createdAt: 'asc' }, select: { thumbnail: true } })
      )?.thumbnail;
      return stored ? cipher.open(stored) : null;
    },
    /**
     * Re-seals every encoding and face image not sealed under the current data key (values written
     * before encryption included), in batches; returns how many were re-sealed. Run after a key change
     * with the old key in FACEGATE_DATA_KEY_PREVIOUS (`facegate db rotate-key`).
     */
    async resealAll(batch = 200): Promise<{ samples: number; auditImages: number; totpSecrets: number; providerTokens: number }> {
      let samples = 0;
      let auditImages = 0;
      for (let cursor: string | undefined; ;) {
        const rows = await prisma.faceSample.findMany({
          orderBy: { id: 'asc' },
          take: batch,
          ...(cursor ? { skip: 1, cursor: { id: cursor } } : {}),
          select: { id: true, encoding: true, thumbnail: true, original: true },
        });
        if (rows.length === 0) break;
        const stale = rows.filter(
          (r) => !cipher.isCurrent(r.encoding) || !cipher.isCurrent(r.thumbnail) || (r.original !== null && !cipher.isCurrent(r.original)),
        );
        await prisma.$transaction(
          stale.map((r) =>
            prisma.faceSample.update({
              where: { id: r.id },
              data: {
                encoding: cipher.seal(cipher.open(r.encoding)),
                thumbnail: cipher.seal(cipher.open(r.thumbnail)),
                original: r.original ? cipher.seal(cipher.open(r.original)) : null,
              },
            }),
          ),
        );
        samples += stale.length;
        cursor = rows.at(-1)!.id;
      }
      for (let cursor: string | undefined; ;) {
        const rows = await prisma.recognitionEvent.findMany({
          where: { thumbnail: { not: null } },
          orderBy: { id: 'asc' },
          take: batch,
          ...(cursor ? { skip: 1, cursor: { id: cursor } } : {}),
          select: { id: true, thumbnail: true },
        });
        if (rows.length === 0) break;
        const stale = rows.filter((r) => !cipher.isCurrent(r.thumbnail!));
        await prisma.$transaction(
          stale.map((r) =>
            prisma.recognitionEvent.update({ where: { id: r.id }, data: { thumbnail: cipher.seal(cipher.open(r.thumbnail!)) } }),
          ),
        );
        auditImages += stale.length;
        cursor = rows.at(-1)!.id;
      }
      // Administrators' TOTP secrets (in force or being enrolled): few rows, one pass.
      const admins = await prisma.admin.findMany({
        where: { OR: [{ totpSecret: { not: null } }, { totpPendingSecret: { not: null } }] },
        select: { id: true, totpSecret: true, totpPendingSecret: true },
      });
      const staleAdmins = admins.filter(
        (a) => (a.totpSecret && !cipher.isCurrent(a.totpSecret)) || (a.totpPendingSecret && !cipher.isCurrent(a.totpPendingSecret)),
      );
      const reseal = (stored: Uint8Array | null) => (stored ? cipher.seal(cipher.open(stored)) : null);
      await prisma.$transaction(
        staleAdmins.map((a) =>
          prisma.admin.update({
            where: { id: a.id },
            data: { totpSecret: reseal(a.totpSecret), totpPendingSecret: reseal(a.totpPendingSecret) },
          }),
        ),
      );
      // Single sign-on's refresh tokens of live sessions (one each), and its sign-ins in progress.
      const sessions = await prisma.adminSession.findMany({
        where: { providerRefreshToken: { not: null }, revokedAt: null },
        select: { id: true, providerRefreshToken: true },
      });
      const staleSessions = sessions.filter((s) => !cipher.isCurrent(s.providerRefreshToken!));
      await prisma.$transaction(
        staleSessions.map((s) =>
          prisma.adminSession.update({ where: { id: s.id }, data: { providerRefreshToken: reseal(s.providerRefreshToken) } }),
        ),
      );
      const requests = await prisma.singleSignOnRequest.findMany({ select: { id: true, codeVerifier: true } });
      const staleRequests = requests.filter((r) => !cipher.isCurrent(r.codeVerifier));
      await prisma.$transaction(
        staleRequests.map((r) =>
          prisma.singleSignOnRequest.update({ where: { id: r.id }, data: { codeVerifier: reseal(r.codeVerifier)! } }),
        ),
      );
      return { samples, auditImages, totpSecrets: staleAdmins.length, providerTokens: staleSessions.length + staleRequests.length };
    },
    sampleCount: (personId: string) => prisma.faceSample.count({ where: { personId } }),

    /** A second person with the same name needs `confirmDuplicateName`: usually it is the same person. */
    async create(input: PersonInput, options: { confirmDuplicateName?: boolean } = {}) {
      const data = clean(input);
      if (!data.name) throw new InvalidInputError('a person needs a name');
      if (!options.confirmDuplicateName) {
        const namesake = await prisma.person.findFirst({ where: { name: data.name }, select: { id: true } });
        if (namesake) throw new DuplicateNameError(namesake.id, data.name);
      }
      await assertCardFree(data.cardId);
      const person = await prisma.person.create({ data: { ...data, name: data.name } });
      await changed([person.id]);
      return person;
    },

    async update(id: string, input: PersonInput) {
      const data = clean(input);
      if (!(await prisma.person.findUnique({ where: { id }, select: { id: true } }))) throw new NotFoundError('person');
      await assertCardFree(data.cardId, id);
      const person = await prisma.person.update({ where: { id }, data });
      await changed([id]);
      return person;
    },

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
      await erasePersonFromEvents(prisma, id);
      await deps.checkpoint();
      await changed([id]);
      return {
        id,
        name: person.name,
        samplesErased: person._count.samples,
        auditImagesErased: erasedImages.count,
        auditEventsPseudonymised: events,
      };
    },

    /**
     * Enrols several photos at once. A photo without exactly one usable face is rejected with the
     * reason; the others are stored together in one transaction (all or none on a crash).
     */
    async enroll(personId: string, photos: readonly PhotoInput[], options: { allowDuplicates?: boolean } = {}) {
      if (!(await prisma.person.findUnique({ where: { id: personId }, select: { id: true } }))) throw new NotFoundError('person');
      const { samples, rejected } = await analyze(photos, personId, options.allowDuplicates ?? false);
      const enrolled =
        samples.length > 0
          ? await prisma.$transaction(samples.map((data) => prisma.faceSample.create({ data: { ...data, personId } })))
          : [];
      if (enrolled.length > 0) await changed([personId]);
      return { enrolled, rejected };
    },

    /** The face engine's part of an import, started ahead (importPeople): the gates and the duplicate check come later, in importPerson. */
    recognize,

    /**
     * The bulk import's unit: the person named `name` (created when new) with the photos' faces, in
     * one transaction, so a crash never leaves a person half-enrolled. A new person whose photos are
     * all refused is not created.
     */
    async importPerson(
      name: string,
      photos: readonly PhotoInput[],
      options: { allowDuplicates?: boolean; recognized?: ReturnType<typeof recognize> } = {},
    ) {
      const problem = controlCharacterIn('name', name);
      if (problem) throw new InvalidInputError(problem);
      const existing = await prisma.person.findFirst({ where: { name }, select: { id: true } });
      const { samples, rejected } = await analyze(photos, existing?.id ?? null, options.allowDuplicates ?? false, options.recognized);
      if (samples.length === 0) return { personId: existing?.id ?? null, created: false, enrolled: 0, rejected };
      const person = existing
        ? await prisma.person.update({ where: { id: existing.id }, data: { samples: { create: samples } } })
        : await prisma.person.create({ data: { name, samples: { create: samples } } });
      await changed([person.id]);
      return { personId: person.id, created: !existing, enrolled: samples.length, rejected };
    },

    /**
     * A new person with the photos' faces (same gates and duplicate check as `enroll`), created only when
     * at least one photo passes, in one transaction; a second person of the same name needs
     * `confirmDuplicateName`. A refused enrolment therefore leaves nothing behind (no person created then
     * erased). The enrol page (enrollPerson) and learning from the doors' "new person" use it.
     */
    async createEnrolled(
      input: string | PersonInput,
      photos: readonly PhotoInput[],
      options: { confirmDuplicateName?: boolean; allowDuplicates?: boolean } = {},
    ) {
      const data = clean(typeof input === 'string' ? { name: input } : input);
      if (!data.name) throw new InvalidInputError('a person needs a name');
      if (!options.confirmDuplicateName) {
        const namesake = await prisma.person.findFirst({ where: { name: data.name }, select: { id: true } });
        if (namesake) throw new DuplicateNameError(namesake.id, data.name);
      }
      await assertCardFree(data.cardId);
      const { samples, rejected } = await analyze(photos, null, options.allowDuplicates ?? false);
      if (samples.length === 0) return { person: null, enrolled: [], rejected };
      const person = await prisma.person.create({
        data: { ...data, name: data.name, samples: { create: samples } },
        include: { samples: { orderBy: { createdAt: 'asc' } } },
      });
      await changed([person.id]);
      const { samples: enrolled, ...row } = person;
      return { person: row, enrolled, rejected };
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
      await erasePersonFromEvents(prisma, fromId);
      await deps.checkpoint();
      await changed([intoId, fromId]);
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

    async removeSample(id: string) {
      const sample = await prisma.faceSample.findUnique({ where: { id }, select: { personId: true } });
      if (!sample) throw new NotFoundError('face sample');
      await prisma.faceSample.delete({ where: { id } });
      await changed([sample.personId]);
      return { id, personId: sample.personId };
    },

    /**
     * The gallery's view of people: encodings of `model` only, as enrolled in it or re-encoded into it
     * (SampleEncoding); a sample with neither is left out, never compared in another model.
     */
    async loadGallery(ids?: readonly string[], model: string = modelId): Promise<GalleryPerson[]> {
      if (!ids) return loadWholeGallery(model);
      const people = await prisma.person.findMany({
        where: ids ? { id: { in: [...ids] } } : {},
        include: {
          samples: {
            where: { OR: [{ model }, { encodings: { some: { model, source: { not: 'failed' } } } }] },
            orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
            select: { model: true, encoding: true, encodings: { where: { model }, select: { encoding: true } } },
          },
        },
      });
      return people.map((p) => ({
        id: p.id,
        name: p.name,
        cardId: p.cardId,
        active: p.active,
        encodings: p.samples.map((s) => decodeEncoding(cipher.open(s.model === model ? s.encoding : s.encodings[0]!.encoding))),
      }));
    },
  };
}

export type PeopleService = ReturnType<typeof createPeopleService>;
