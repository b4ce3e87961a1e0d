// Enrolment: a person's photos checked and stored (enrollFaces), or a new person with theirs (enrollPerson).
import { builder } from '../builder.ts';
import { DuplicateNameError, FaceRejectedError, InvalidInputError } from '../errors.ts';
import type { RejectedPhoto as RejectedPhotoModel } from '../services/people/index.ts';
import type { FaceSampleModel, PersonModel } from '../db/prisma.ts';
import { COMMON_ERRORS } from './errors.ts';
import { checksOf, PhotoFacesRef, QualityCheckRef } from './photo.ts';
import { readUpload } from './uploads.ts';
import { FaceSampleRef, PersonInput, PersonRef } from './person.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** The fields every refused photo's type shares: the refusal, and whom a duplicate face was taken for. */
export const refusalFields = <T extends Pick<RejectedPhotoModel, 'code' | 'message' | 'duplicateOf'>>(
  t: PothosSchemaTypes.ObjectFieldBuilder<Types, T>,
) => ({
  code: t.string({ resolve: (r) => r.code }),
  message: t.string({ resolve: (r) => r.message }),
  duplicateOf: t.field({
    type: PersonRef,
    nullable: true,
    resolve: (r, _, ctx) => (r.duplicateOf ? ctx.services.people.get(r.duplicateOf.personId) : null),
  }),
});

const RejectedPhoto = builder.objectRef<RejectedPhotoModel>('RejectedPhoto').implement({
  description:
    'A photo that was not enrolled, and why: NO_FACE, MULTIPLE_FACES (choose one with `faces`), NO_SUCH_FACE (no face where one was chosen), INVALID_IMAGE, IMAGE_TOO_LARGE; FACE_TOO_SMALL, TOO_BLURRY, POSE, TOO_DARK, TOO_BRIGHT; DUPLICATE_FACE (already enrolled as `duplicateOf`; enrol with allowDuplicates if they are different people); ALREADY_ENROLLED (this very photo is already one of the samples of `duplicateOf`, or was given twice in the request: not stored again, whatever allowDuplicates).',
  fields: (t) => ({
    index: t.exposeInt('index'),
    filename: t.exposeString('filename'),
    ...refusalFields(t),
    duplicateDistance: t.float({ nullable: true, resolve: (r) => r.duplicateOf?.distance ?? null }),
    photo: t.field({
      type: PhotoFacesRef,
      nullable: true,
      description: 'What the detector saw: every face with its box (MULTIPLE_FACES: which faces).',
      resolve: (r) => r.photo ?? null,
    }),
    qualityChecks: t.field({
      type: [QualityCheckRef],
      description: 'The face’s quality against the enrolment gates (empty when no single face was found).',
      resolve: (r) => checksOf(r.quality),
    }),
  }),
});

const EnrollResult = builder
  .objectRef<{ person: PersonModel; enrolled: FaceSampleModel[]; rejected: RejectedPhotoModel[] }>('EnrollResult')
  .implement({
    fields: (t) => ({
      person: t.field({ type: PersonRef, resolve: (r) => r.person }),
      enrolled: t.field({ type: [FaceSampleRef], resolve: (r) => r.enrolled }),
      rejected: t.field({ type: [RejectedPhoto], resolve: (r) => r.rejected }),
    }),
  });

const PersonEnrolment = builder
  .objectRef<{ person: PersonModel | null; enrolled: FaceSampleModel[]; rejected: RejectedPhotoModel[] }>('PersonEnrolment')
  .implement({
    description:
      'A new person and their photos: created only when at least one photo was enrolled (person null otherwise, and nothing was stored).',
    fields: (t) => ({
      person: t.field({ type: PersonRef, nullable: true, resolve: (r) => r.person }),
      enrolled: t.field({ type: [FaceSampleRef], resolve: (r) => r.enrolled }),
      rejected: t.field({ type: [RejectedPhoto], resolve: (r) => r.rejected }),
    }),
  });

const FaceChoice = builder.inputType('FaceChoice', {
  description:
    "The face to enrol in a photo of several people (MULTIPLE_FACES): the photo's index in `images` and the face's box in the photo's pixels (as RejectedPhoto.photo gave it). The face detected that overlaps the box most (at least half, intersection over union) is enrolled; none: the photo is refused NO_SUCH_FACE.",
  fields: (t) => ({
    image: t.int({ required: true }),
    x: t.float({ required: true }),
    y: t.float({ required: true }),
    width: t.float({ required: true }),
    height: t.float({ required: true }),
  }),
});

/** The faces chosen, by photo, checked: a photo in the request, once, a box of positive size. */
function choicesOf(
  faces: readonly { image: number; x: number; y: number; width: number; height: number }[] | null | undefined,
  count: number,
) {
  const byImage = new Map<number, { x: number; y: number; width: number; height: number }>();
  for (const { image, ...box } of faces ?? []) {
    if (!Number.isInteger(image) || image < 0 || image >= count)
      throw new InvalidInputError(`faces: image ${image} is not one of the ${count} photos sent (0 to ${count - 1})`);
    if (byImage.has(image)) throw new InvalidInputError(`faces: photo ${image} has two faces chosen; choose one`);
    if (
      ![box.x, box.y, box.width, box.height].every(Number.isFinite) ||
      box.width <= 0 ||
      box.height <= 0 ||
      box.width > 100_000 ||
      box.height > 100_000
    )
      throw new InvalidInputError(`faces: the box chosen in photo ${image} is not a box of positive size`);
    byImage.set(image, box);
  }
  return byImage;
}

/** The uploads of a mutation, read; an oversized photo is rejected alone and the rest go on. */
async function readPhotos(
  images: readonly File[],
  ctx: { services: { maxUploadBytes: number } },
  faces?: readonly { image: number; x: number; y: number; width: number; height: number }[] | null,
) {
  const chosen = choicesOf(faces, images.length);
  type Read =
    | { index: number; filename: string; bytes: Uint8Array; face: { x: number; y: number; width: number; height: number } | null }
    | RejectedPhotoModel;
  const read = await Promise.all(
    images.map(async (file, index): Promise<Read> => {
      try {
        return { index, filename: file.name, bytes: await readUpload(file, ctx.services.maxUploadBytes), face: chosen.get(index) ?? null };
      } catch (error) {
        if (!(error instanceof FaceRejectedError)) throw error;
        return { index, filename: file.name, code: error.code, message: error.message };
      }
    }),
  );
  const readable = read.filter((r): r is Extract<Read, { bytes: Uint8Array }> => 'bytes' in r);
  const unread = read.filter((r): r is RejectedPhotoModel => !('bytes' in r));
  /** The engine's refusals (indexed in `readable`) with the unread ones, in the order of the photos. */
  const rejectedWith = (rejected: readonly RejectedPhotoModel[]) =>
    [...unread, ...rejected.map((r) => ({ ...r, index: readable[r.index]!.index }))].sort((a, b) => a.index - b.index);
  return { readable, rejectedWith };
}

builder.mutationFields((t) => ({
  enrollFaces: t.field({
    type: EnrollResult,
    description:
      'Adds face samples from several photos; a photo without exactly one usable face is rejected with its reason, the rest are enrolled.',
    authScopes: { scope: 'admin' },
    errors: { types: COMMON_ERRORS },
    args: {
      personId: t.arg.id({ required: true }),
      images: t.arg({ type: ['File'], required: true }),
      allowDuplicates: t.arg.boolean({
        description: 'Enrol faces that match another enrolled person (an administrator who knows they are different people).',
      }),
      faces: t.arg({ type: [FaceChoice], description: 'The face to enrol in photos of several people.' }),
    },
    resolve: async (_, { personId, images, allowDuplicates, faces }, ctx) => {
      const { readable, rejectedWith } = await readPhotos(images, ctx, faces);
      const result = await ctx.services.people.enroll(String(personId), readable, { allowDuplicates: allowDuplicates ?? false });
      return {
        person: (await ctx.services.people.get(String(personId)))!,
        enrolled: result.enrolled,
        rejected: rejectedWith(result.rejected),
      };
    },
  }),
  enrollPerson: t.field({
    type: PersonEnrolment,
    description:
      'Creates a person with the faces of their photos, in one step: the person is created only when at least one photo is enrolled (a refused enrolment leaves nothing, in the register or the admin log). DUPLICATE_NAME unless confirmDuplicateName; a face of someone enrolled is refused (DUPLICATE_FACE) unless allowDuplicates.',
    authScopes: { scope: 'admin' },
    errors: { types: [...COMMON_ERRORS, DuplicateNameError] },
    args: {
      input: t.arg({ type: PersonInput, required: true }),
      images: t.arg({ type: ['File'], required: true }),
      confirmDuplicateName: t.arg.boolean({ description: 'Create the person even if someone of that name exists.' }),
      allowDuplicates: t.arg.boolean({
        description: 'Enrol faces that match another enrolled person (an administrator who confirmed they are different people).',
      }),
      faces: t.arg({ type: [FaceChoice], description: 'The face to enrol in photos of several people.' }),
    },
    resolve: async (_, { input, images, confirmDuplicateName, allowDuplicates, faces }, ctx) => {
      const { readable, rejectedWith } = await readPhotos(images, ctx, faces);
      const result = await ctx.services.people.createEnrolled(input, readable, {
        confirmDuplicateName: confirmDuplicateName ?? false,
        allowDuplicates: allowDuplicates ?? false,
      });
      return { person: result.person, enrolled: result.enrolled, rejected: rejectedWith(result.rejected) };
    },
  }),
}));
