import { ImportRefusedError, readPeopleArchive, refuseLargeArchive, type ImportLimits } from '@facegate/people-archive';
import { builder } from '../builder.ts';
import { FaceRejectedError, InvalidInputError } from '../errors.ts';
import { importPeople, type ImportedPerson } from '../services/bulk-import.ts';
import type { RejectedPhoto } from '../services/people/index.ts';
import { DoorRef } from './door.ts';
import { refusalFields } from './enrolment.ts';
import { COMMON_ERRORS, ErrorInterface } from './errors.ts';
import { PersonRef } from './person.ts';
import { readUpload } from './uploads.ts';

builder.objectType(ImportRefusedError, {
  name: 'ImportRefusedError',
  description:
    'The archive or folder was refused before anything was enrolled: INVALID_ARCHIVE, TOO_MANY_ENTRIES, TOO_LARGE (a photo or the total, once decompressed), UNSAFE_PATH (an absolute or ../ name), TOO_MANY_PHOTOS (for one person).',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ImportRefusedError,
});

const ImportLimitsRef = builder.objectRef<ImportLimits>('ImportLimits').implement({
  description: 'The bounds of a bulk import, checked before anything is decompressed or enrolled.',
  fields: (t) => ({
    maxArchiveBytes: t.exposeInt('maxArchiveBytes'),
    maxEntries: t.exposeInt('maxEntries'),
    maxTotalBytes: t.exposeInt('maxTotalBytes', { description: 'All photos once decompressed.' }),
    maxPhotoBytes: t.exposeInt('maxPhotoBytes'),
    maxPhotosPerPerson: t.exposeInt('maxPhotosPerPerson'),
  }),
});

const ImportedPhotoRef = builder.objectRef<RejectedPhoto>('ImportRejectedPhoto').implement({
  description:
    'A photo not enrolled: NO_FACE, MULTIPLE_FACES, INVALID_IMAGE, IMAGE_TOO_LARGE, the quality gates, DUPLICATE_FACE (with whom).',
  fields: (t) => ({
    index: t.exposeInt('index', {
      description: 'Which photo: its position among the images sent (importPerson) or in its person’s folder (importPeople).',
    }),
    filename: t.exposeString('filename'),
    ...refusalFields(t),
  }),
});

const ImportedPersonRef = builder.objectRef<ImportedPerson>('ImportedPerson').implement({
  description: 'One person of a bulk import: enrolled whole, in one transaction, or not at all.',
  fields: (t) => ({
    name: t.exposeString('name'),
    person: t.field({
      type: PersonRef,
      nullable: true,
      description: 'None when every photo was refused and the person was new.',
      resolve: (r, _, ctx) => (r.personId ? ctx.services.people.get(r.personId) : null),
    }),
    created: t.exposeBoolean('created'),
    photos: t.exposeInt('photos'),
    enrolled: t.exposeInt('enrolled'),
    rejected: t.field({ type: [ImportedPhotoRef], resolve: (r) => [...r.rejected] }),
  }),
});

const ImportReportRef = builder.objectRef<{ people: ImportedPerson[]; skipped: string[] }>('ImportReport').implement({
  fields: (t) => ({
    people: t.field({ type: [ImportedPersonRef], resolve: (r) => r.people }),
    skipped: t.stringList({
      description: 'Files of the archive that are not photos of a person (<name>/<photo> or <name>.jpg).',
      resolve: (r) => r.skipped,
    }),
  }),
});

builder.queryFields((t) => ({
  importLimits: t.field({ type: ImportLimitsRef, authScopes: { scope: 'admin' }, resolve: (_, __, ctx) => ctx.services.importLimits }),
}));

const ERRORS = [...COMMON_ERRORS, ImportRefusedError];

builder.mutationFields((t) => ({
  importPerson: t.field({
    type: ImportedPersonRef,
    description:
      'One person of a bulk import (the dashboard sends a folder or zip person by person, for its progress): the person of that name, created when new, with the faces that pass enrolment, in one transaction; a new person whose photos are all refused is not created. The same path as `facegate db import`.',
    authScopes: { scope: 'admin' },
    errors: { types: ERRORS },
    args: { name: t.arg.string({ required: true }), images: t.arg({ type: ['File'], required: true }), allowDuplicates: t.arg.boolean() },
    resolve: async (_, { name, images, allowDuplicates }, ctx) => {
      const limits = ctx.services.importLimits;
      const trimmed = name.trim();
      if (!trimmed || trimmed.length > 200) throw new InvalidInputError('a person needs a name of at most 200 characters');
      if (images.length === 0) throw new InvalidInputError('no photo');
      if (images.length > limits.maxPhotosPerPerson)
        throw new ImportRefusedError('TOO_MANY_PHOTOS', `${images.length} photos for ${trimmed}, more than ${limits.maxPhotosPerPerson}`);
      const photos: { filename: string; bytes: Uint8Array<ArrayBuffer>; index: number }[] = [];
      const unread: RejectedPhoto[] = [];
      for (const [index, file] of images.entries()) {
        try {
          photos.push({ filename: file.name, bytes: await readUpload(file, ctx.services.maxUploadBytes), index });
        } catch (error) {
          if (!(error instanceof FaceRejectedError)) throw error;
          unread.push({ index, filename: file.name, code: error.code, message: error.message });
        }
      }
      const [result] = await importPeople(ctx.services.people, new Map([[trimmed, photos]]), { allowDuplicates: allowDuplicates ?? false });
      // Indices of the images sent (a photo refused unread is not among those analysed).
      const rejected = [...unread, ...result!.rejected.map((r) => ({ ...r, index: photos[r.index]!.index }))].sort(
        (a, b) => a.index - b.index,
      );
      return { ...result!, photos: images.length, rejected };
    },
  }),
  importPeople: t.field({
    type: ImportReportRef,
    description:
      'A zip of `<name>/<photo>` (or `<name>.jpg`), under one optional top folder: every bound (importLimits) and name is checked before anything is decompressed or enrolled; then person after person, as importPerson.',
    authScopes: { scope: 'admin' },
    errors: { types: ERRORS },
    args: {
      archive: t.arg({ type: 'File', required: true }),
      allowDuplicates: t.arg.boolean({
        description: "Every person's faces may match someone else enrolled (prefer allowDuplicatesFor: the override per person).",
      }),
      allowDuplicatesFor: t.arg.stringList({
        description:
          'The people (names, as their folders) whose faces may match someone else enrolled: the administrator confirmed, person by person, that they are different people.',
      }),
    },
    resolve: async (_, { archive, allowDuplicates, allowDuplicatesFor }, ctx) => {
      const limits = ctx.services.importLimits;
      refuseLargeArchive(archive.size, limits);
      const { people, skipped } = readPeopleArchive(new Uint8Array(await archive.arrayBuffer()), limits);
      return {
        people: await importPeople(ctx.services.people, people, {
          allowDuplicates: allowDuplicates ?? false,
          allowDuplicatesFor: new Set((allowDuplicatesFor ?? []).map((name) => name.trim())),
        }),
        skipped,
      };
    },
  }),
}));

// The person page: every door and whether the policy lets them through now, face aside.
const DoorAccessRef = builder.objectRef<{ doorId: string; allowed: boolean; reason: string | null }>('PersonDoorAccess').implement({
  fields: (t) => ({
    door: t.field({ type: DoorRef, resolve: async (a, _, ctx) => (await ctx.services.access.doors.get(a.doorId))! }),
    allowed: t.exposeBoolean('allowed'),
    reason: t.exposeString('reason', {
      nullable: true,
      description: 'inactive, not_allowed_here, outside_schedule, pass_expired, pass_not_yet_valid, pass_revoked',
    }),
  }),
});

builder.objectFields(PersonRef, (t) => ({
  doorAccess: t.field({
    type: [DoorAccessRef],
    description: 'Every door, and whether the access policy lets the person through it now, face aside (scope people:read).',
    authScopes: { scope: 'people:read' },
    unauthorizedResolver: () => [],
    resolve: async (p, _, ctx) => {
      const doors = await ctx.services.access.doors.list();
      return Promise.all(
        doors.map(async (d) => {
          const verdict = await ctx.services.policy.check(p.id, d.id);
          return { doorId: d.id, allowed: verdict.allowed, reason: verdict.allowed ? null : verdict.reason };
        }),
      );
    },
  }),
}));
