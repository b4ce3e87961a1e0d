'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { explain, gqlUpload, isError } from '@/lib/api';
import { rejectionText } from '@/lib/format';
import { PHOTO_FIELDS, QUALITY_FIELDS, type PhotoFacesView, type QualityCheckView } from '@/lib/photo-faces';
import { requireAdmin } from '@/lib/session';
import { PersonFields, photosFrom } from '@/lib/validation';

/** One photo of an enrolment, as the form shows it: enrolled or refused, with the faces found and the quality gates. */
export interface EnrollPhotoResult {
  index: number;
  filename: string;
  enrolled: boolean;
  code: string | null;
  text: string | null;
  photo: PhotoFacesView | null;
  qualityChecks: QualityCheckView[];
  /** DUPLICATE_FACE: the enrolled person this face was taken for. */
  duplicateOf: { id: string; name: string; distance: number } | null;
}

export interface EnrollState {
  error?: string;
  fieldErrors?: Record<string, string>;
  enrolled?: { id: string; name: string; samples: number; thumbnail: string | null };
  /** Every photo sent, in order. */
  photos?: EnrollPhotoResult[];
  /** The photos were added to the person they were taken for ("Add these photos to …"). */
  addedTo?: { id: string; name: string; added: number; samples: number };
  /** DUPLICATE_NAME: someone of this name exists; the form asks before creating another. */
  duplicateName?: { name: string; personId: string | null };
  at?: number;
}

type Union<T> = { __typename: string; data?: T; code?: string; message?: string; personId?: string };
type Sample = { id: string; photo: PhotoFacesView | null; qualityChecks: QualityCheckView[] };
type Rejected = {
  index: number;
  filename: string;
  code: string;
  message: string;
  duplicateOf: { id: string; name: string } | null;
  duplicateDistance: number | null;
  photo: PhotoFacesView | null;
  qualityChecks: QualityCheckView[];
};

const ENROLL = `mutation ($id: ID!, $images: [File!]!, $allow: Boolean, $faces: [FaceChoice!]) { enrollFaces(personId: $id, images: $images, allowDuplicates: $allow, faces: $faces) { __typename ... on MutationEnrollFacesSuccess { data {
  person { id name sampleCount thumbnail }
  enrolled { id photo { ${PHOTO_FIELDS} } qualityChecks { ${QUALITY_FIELDS} } }
  rejected { index filename code message duplicateOf { id name } duplicateDistance photo { ${PHOTO_FIELDS} } qualityChecks { ${QUALITY_FIELDS} } }
} } ... on Error { code message } } }`;

/** The API answers enrolled samples in the order of the photos that passed: the photos not refused, in order. */
function perPhoto(files: File[], enrolled: Sample[], rejected: Rejected[]): EnrollPhotoResult[] {
  const refused = new Map(rejected.map((r) => [r.index, r]));
  let next = 0;
  return files.map((file, index) => {
    const r = refused.get(index);
    if (r) {
      return {
        index,
        filename: r.filename || file.name,
        enrolled: false,
        code: r.code,
        text: rejectionText(r.code, r.message),
        photo: r.photo,
        qualityChecks: r.qualityChecks,
        duplicateOf:
          r.code === 'DUPLICATE_FACE' && r.duplicateOf && r.duplicateDistance !== null
            ? { ...r.duplicateOf, distance: r.duplicateDistance }
            : null,
      };
    }
    const sample = enrolled[next++];
    return {
      index,
      filename: file.name,
      enrolled: true,
      code: null,
      text: null,
      photo: sample?.photo ?? null,
      qualityChecks: sample?.qualityChecks ?? [],
      duplicateOf: null,
    };
  });
}

/** The faces chosen in photos of several people (MULTIPLE_FACES): the photo's index and the face's box. */
const FaceChoices = z
  .array(
    z.object({ image: z.number().int().min(0), x: z.number(), y: z.number(), width: z.number().positive(), height: z.number().positive() }),
  )
  .max(50);

function faceChoices(form: FormData): z.infer<typeof FaceChoices> | null {
  const raw = form.get('faces');
  if (typeof raw !== 'string' || !raw) return null;
  try {
    const parsed = FaceChoices.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

async function enrollPhotos(personId: string, files: File[], allowDuplicates: boolean, faces: z.infer<typeof FaceChoices> | null = null) {
  const { enrollFaces } = await gqlUpload<{
    enrollFaces: Union<{
      person: { id: string; name: string; sampleCount: number; thumbnail: string | null };
      enrolled: Sample[];
      rejected: Rejected[];
    }>;
  }>(
    ENROLL,
    { id: personId, images: files.map(() => null), allow: allowDuplicates, faces },
    Object.fromEntries(files.map((f, i) => [`images.${i}`, f])),
  );
  if (isError(enrollFaces) || !enrollFaces.data) throw new Error(enrollFaces.message ?? 'the photos were not enrolled');
  return enrollFaces.data;
}

const ENROLL_PERSON = `mutation ($input: PersonInput!, $images: [File!]!, $confirm: Boolean, $allow: Boolean, $faces: [FaceChoice!]) { enrollPerson(input: $input, images: $images, confirmDuplicateName: $confirm, allowDuplicates: $allow, faces: $faces) { __typename ... on MutationEnrollPersonSuccess { data {
  person { id name sampleCount thumbnail }
  enrolled { id photo { ${PHOTO_FIELDS} } qualityChecks { ${QUALITY_FIELDS} } }
  rejected { index filename code message duplicateOf { id name } duplicateDistance photo { ${PHOTO_FIELDS} } qualityChecks { ${QUALITY_FIELDS} } }
} } ... on DuplicateNameError { personId } ... on Error { code message } } }`;

/**
 * A new person with their photos, in one request: the API creates the person only when a photo is
 * enrolled, so a refused enrolment leaves nothing behind (no record created, then erased).
 */
export async function enrollPerson(_state: EnrollState, form: FormData): Promise<EnrollState> {
  const guard = await requireAdmin();
  if (!guard.ok) return { error: guard.error };
  const fields = PersonFields.safeParse({
    name: form.get('name'),
    cardId: form.get('cardId') || undefined,
    notes: form.get('notes') || undefined,
  });
  const photos = photosFrom(form, 'photos');
  const fieldErrors: Record<string, string> = {};
  if (!fields.success) for (const issue of fields.error.issues) fieldErrors[String(issue.path[0])] = issue.message;
  if (!photos.success) fieldErrors.photos = photos.error;
  if (!fields.success || !photos.success) return { error: 'Please correct the form.', fieldErrors };
  try {
    type Person = { id: string; name: string; sampleCount: number; thumbnail: string | null };
    const { enrollPerson: result } = await gqlUpload<{
      enrollPerson: Union<{ person: Person | null; enrolled: Sample[]; rejected: Rejected[] }>;
    }>(
      ENROLL_PERSON,
      {
        input: fields.data,
        images: photos.data.map(() => null),
        confirm: form.get('confirmDuplicateName') === 'on',
        allow: form.get('allowDuplicates') === 'on',
        faces: faceChoices(form),
      },
      Object.fromEntries(photos.data.map((f, i) => [`images.${i}`, f])),
    );
    if (result.code === 'DUPLICATE_NAME') {
      // Usually the same person enrolled twice: ask, naming the one already there, before creating another.
      return {
        error: `Someone named ${fields.data.name} is already enrolled.`,
        duplicateName: { name: fields.data.name, personId: result.personId ?? null },
        at: Date.now(),
      };
    }
    if (isError(result) || !result.data) return { error: `${fields.data.name} was not enrolled: ${result.message ?? 'unknown reason'}.` };
    const { person, enrolled, rejected } = result.data;
    const results = perPhoto(photos.data, enrolled, rejected);
    if (!person) {
      // Nobody was created: say why each photo failed.
      const duplicates = results.filter((r) => r.code === 'DUPLICATE_FACE').length;
      const why =
        duplicates > 0
          ? `${duplicates === 1 ? 'the face is' : `${duplicates} faces are`} already enrolled under another name.`
          : 'no photo had a usable face.';
      return { error: `${fields.data.name} was not enrolled: ${why}`, photos: results, at: Date.now() };
    }
    revalidatePath('/people');
    return {
      enrolled: { id: person.id, name: person.name, samples: person.sampleCount, thumbnail: person.thumbnail },
      photos: results,
      at: Date.now(),
    };
  } catch (error) {
    return { error: `${fields.data.name} was not enrolled: ${explain(error)}` };
  }
}

/**
 * More photos of an enrolment sent to a person (`form`: personId, photos, their `indices` in the
 * enrolment): the person's answer, and the photos shown with these results in place of the earlier ones.
 */
async function enrollMore(state: EnrollState, form: FormData, allowDuplicates: boolean) {
  const id = z.string().min(1).safeParse(form.get('personId'));
  const photos = photosFrom(form, 'photos');
  if (!id.success || !photos.success) return { error: photos.success ? 'No person given.' : photos.error } as const;
  const { person, enrolled, rejected } = await enrollPhotos(id.data, photos.data, allowDuplicates, faceChoices(form));
  const again = perPhoto(photos.data, enrolled, rejected);
  const indices = form.getAll('indices').map(Number);
  const photosShown = (state.photos ?? []).map((p) => {
    const k = indices.indexOf(p.index);
    return k >= 0 && again[k] ? { ...again[k], index: p.index, filename: p.filename } : p;
  });
  revalidatePath('/people');
  revalidatePath(`/people/${id.data}`);
  return { person, added: enrolled.length, photosShown } as const;
}

/**
 * "Add these photos to <existing person>": the photos refused as someone's face are that person's
 * (the duplicate found was right), so they become their samples; the new record is not made.
 */
export async function addToExisting(state: EnrollState, form: FormData): Promise<EnrollState> {
  const guard = await requireAdmin();
  if (!guard.ok) return { ...state, error: guard.error };
  try {
    const more = await enrollMore(state, form, false);
    if ('error' in more) return { ...state, error: more.error };
    const { person, added, photosShown } = more;
    return {
      ...state,
      error: undefined,
      addedTo: { id: person.id, name: person.name, added, samples: person.sampleCount },
      photos: photosShown,
      at: Date.now(),
    };
  } catch (error) {
    return { ...state, error: explain(error) };
  }
}

/**
 * The administrator's override of DUPLICATE_FACE for a person already created: the photos refused as
 * someone else's face, enrolled anyway (they know these are different people who look alike).
 */
export async function enrollAnyway(state: EnrollState, form: FormData): Promise<EnrollState> {
  const guard = await requireAdmin();
  if (!guard.ok) return { ...state, error: guard.error };
  try {
    // The photos overridden replace their refusals in the list shown.
    const more = await enrollMore(state, form, true);
    if ('error' in more) return { ...state, error: more.error };
    const { person, photosShown } = more;
    return {
      enrolled: { id: person.id, name: person.name, samples: person.sampleCount, thumbnail: person.thumbnail },
      photos: photosShown,
      at: Date.now(),
    };
  } catch (error) {
    return { ...state, error: explain(error) };
  }
}
