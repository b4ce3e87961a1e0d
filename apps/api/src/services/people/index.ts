import { DuplicateNameError, InvalidInputError, NotFoundError } from '../../errors.ts';
import { controlCharacterIn } from '../../input-limits.ts';
import type { ActiveModel } from '../../recognizer/gallery.ts';
import type { Recognizer } from '../../recognizer/pool.ts';
import type { DataCipher } from '../../db/sealed.ts';
import type { Prisma } from '../../db/prisma.ts';
import { createPersonErasure } from './erasure.ts';
import { createGalleryLoader } from './gallery.ts';
import { createPhotoAnalysis, type DuplicateFinder, type OwnSampleDistance, type PhotoInput } from './photo-analysis.ts';
import { resealAll } from './reseal.ts';

export { erasedPseudonym } from './erasure.ts';
export type { RejectedPhoto } from './photo-analysis.ts';

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
  const { prisma, provider, cipher, modelId, changed } = deps;
  const { recognize, analyze } = createPhotoAnalysis(deps);
  const erasure = createPersonErasure(prisma, deps.checkpoint, changed);

  function where(search?: string | null) {
    const term = search?.trim();
    if (!term) return {};
    // PostgreSQL compares case-sensitively unless told; SQLite's LIKE already ignores ASCII case.
    const contains = provider === 'postgresql' ? { contains: term, mode: 'insensitive' as const } : { contains: term };
    return { OR: [{ name: contains }, { cardId: term }] };
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

  /** A new person's fields, checked: a name, a card no one holds, and no namesake unless confirmed (usually it is the same person). */
  async function newPerson(input: PersonInput, confirmDuplicateName = false) {
    const data = clean(input);
    if (!data.name) throw new InvalidInputError('a person needs a name');
    if (!confirmDuplicateName) {
      const namesake = await prisma.person.findFirst({ where: { name: data.name }, select: { id: true } });
      if (namesake) throw new DuplicateNameError(namesake.id, data.name);
    }
    await assertCardFree(data.cardId);
    return { ...data, name: data.name };
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
    resealAll: (batch?: number) => resealAll(prisma, cipher, batch),
    sampleCount: (personId: string) => prisma.faceSample.count({ where: { personId } }),

    /** A second person with the same name needs `confirmDuplicateName`: usually it is the same person. */
    async create(input: PersonInput, options: { confirmDuplicateName?: boolean } = {}) {
      const data = await newPerson(input, options.confirmDuplicateName);
      const person = await prisma.person.create({ data });
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

    delete: erasure.delete,

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
      const data = await newPerson(typeof input === 'string' ? { name: input } : input, options.confirmDuplicateName);
      const { samples, rejected } = await analyze(photos, null, options.allowDuplicates ?? false);
      if (samples.length === 0) return { person: null, enrolled: [], rejected };
      const person = await prisma.person.create({
        data: { ...data, samples: { create: samples } },
        include: { samples: { orderBy: { createdAt: 'asc' } } },
      });
      await changed([person.id]);
      const { samples: enrolled, ...row } = person;
      return { person: row, enrolled, rejected };
    },

    merge: erasure.merge,

    async removeSample(id: string) {
      const sample = await prisma.faceSample.findUnique({ where: { id }, select: { personId: true } });
      if (!sample) throw new NotFoundError('face sample');
      await prisma.faceSample.delete({ where: { id } });
      await changed([sample.personId]);
      return { id, personId: sample.personId };
    },

    loadGallery: createGalleryLoader(prisma, cipher, modelId).loadGallery,
  };
}

export type PeopleService = ReturnType<typeof createPeopleService>;
