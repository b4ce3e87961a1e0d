'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { graphql } from '@/generated';
import type { MergePeopleMutation } from '@/generated/graphql';
import { explain, isError, request, type SuccessData } from '@/lib/api';
import { rejectionText } from '@/lib/format';
import { requireAdmin } from '@/lib/session';
import { PersonFields, photosFrom } from '@/lib/validation';

export interface FormState {
  ok?: boolean;
  message?: string;
  error?: string;
  rejected?: string[];
  at?: number;
}

const EnrollFacesDocument = graphql(`
  mutation AddPhotos($id: ID!, $images: [File!]!) {
    enrollFaces(personId: $id, images: $images) {
      __typename
      ... on MutationEnrollFacesSuccess {
        data {
          enrolled {
            id
          }
          rejected {
            index
            filename
            code
            message
          }
        }
      }
      ...MutationError
    }
  }
`);

const RemoveFaceSampleDocument = graphql(`
  mutation RemoveFaceSample($id: ID!) {
    removeFaceSample(id: $id) {
      __typename
      ... on MutationRemoveFaceSampleSuccess {
        data {
          id
        }
      }
      ...MutationError
    }
  }
`);

const UpdatePersonDocument = graphql(`
  mutation UpdatePerson($id: ID!, $input: PersonInput!) {
    updatePerson(id: $id, input: $input) {
      __typename
      ... on MutationUpdatePersonSuccess {
        data {
          id
        }
      }
      ...MutationError
    }
  }
`);

const DeletePersonDocument = graphql(`
  mutation DeletePerson($id: ID!) {
    deletePerson(id: $id) {
      __typename
      ... on MutationDeletePersonSuccess {
        data {
          name
          samplesErased
        }
      }
      ...MutationError
    }
  }
`);

const MergePeopleDocument = graphql(`
  mutation MergePeople($into: ID!, $from: ID!) {
    mergePeople(intoId: $into, fromId: $from) {
      __typename
      ... on MutationMergePeopleSuccess {
        data {
          samplesMoved
          passesMoved
          groupsAdded
          auditEventsMoved
          cardMoved
          pinMoved
        }
      }
      ...MutationError
    }
  }
`);

const Id = z.string().min(1, 'No person given.');

/** Photos the API found already enrolled (the same photo again): said apart from refusals. */
const already = (rejected: { code: string }[]) => {
  const n = rejected.filter((r) => r.code === 'ALREADY_ENROLLED').length;
  return n === 0 ? '' : ` ${n === 1 ? '1 photo was' : `${n} photos were`} already enrolled and not stored again.`;
};

export async function addPhotos(_state: FormState, form: FormData): Promise<FormState> {
  const guard = await requireAdmin();
  if (!guard.ok) return { error: guard.error };
  const id = Id.safeParse(form.get('personId'));
  const photos = photosFrom(form, 'photos');
  if (!id.success) return { error: id.error.issues[0]!.message };
  if (!photos.success) return { error: photos.error };
  try {
    const { enrollFaces } = await request(EnrollFacesDocument, { id: id.data, images: photos.data });
    if (isError(enrollFaces)) return { error: enrollFaces.message };
    revalidatePath(`/people/${id.data}`);
    const { enrolled, rejected } = enrollFaces.data;
    return {
      ok: enrolled.length > 0,
      at: Date.now(),
      message: `${enrolled.length} of ${photos.data.length} ${photos.data.length === 1 ? 'photo' : 'photos'} added.${already(rejected)}`,
      rejected: rejected.map((r) => `${r.filename}: ${rejectionText(r.code, r.message)}`),
    };
  } catch (error) {
    return { error: explain(error) };
  }
}

export async function removeSample(_state: FormState, form: FormData): Promise<FormState> {
  const guard = await requireAdmin();
  if (!guard.ok) return { error: guard.error };
  const parsed = z
    .object({ sampleId: z.string().min(1), personId: z.string().min(1) })
    .safeParse({ sampleId: form.get('sampleId'), personId: form.get('personId') });
  if (!parsed.success) return { error: 'No sample given.' };
  try {
    const { removeFaceSample } = await request(RemoveFaceSampleDocument, { id: parsed.data.sampleId });
    if (isError(removeFaceSample)) return { error: removeFaceSample.message };
  } catch (error) {
    return { error: explain(error) };
  }
  revalidatePath(`/people/${parsed.data.personId}`);
  return { ok: true, message: 'Sample removed.' };
}

export async function updatePerson(_state: FormState, form: FormData): Promise<FormState> {
  const guard = await requireAdmin();
  if (!guard.ok) return { error: guard.error };
  const id = Id.safeParse(form.get('personId'));
  const fields = PersonFields.safeParse({
    name: form.get('name'),
    cardId: form.get('cardId'),
    notes: form.get('notes'),
    active: form.get('active') === 'on',
  });
  if (!id.success) return { error: id.error.issues[0]!.message };
  if (!fields.success) return { error: fields.error.issues.map((i) => i.message).join(' ') };
  try {
    const { updatePerson } = await request(UpdatePersonDocument, {
      id: id.data,
      input: { ...fields.data, cardId: fields.data.cardId ?? '', notes: fields.data.notes ?? '' },
    });
    if (isError(updatePerson)) return { error: updatePerson.message };
  } catch (error) {
    return { error: explain(error) };
  }
  revalidatePath(`/people/${id.data}`);
  revalidatePath('/people');
  return { ok: true, message: 'Changes saved.', at: Date.now() };
}

export async function deletePerson(_state: FormState, form: FormData): Promise<FormState> {
  const guard = await requireAdmin();
  if (!guard.ok) return { error: guard.error };
  const id = Id.safeParse(form.get('personId'));
  if (!id.success) return { error: id.error.issues[0]!.message };
  let erased: { name: string; samplesErased: number };
  try {
    const { deletePerson } = await request(DeletePersonDocument, { id: id.data });
    if (isError(deletePerson)) return { error: deletePerson.message };
    erased = deletePerson.data;
  } catch (error) {
    return { error: explain(error) };
  }
  revalidatePath('/people');
  redirect(`/people?deleted=${encodeURIComponent(erased.name)}&samples=${erased.samplesErased}`);
}

export interface MergeState extends FormState {
  merged?: SuccessData<MergePeopleMutation['mergePeople']>;
}

/** Merges a person enrolled twice into the one kept (`intoId`): the other is erased. */
export async function mergePerson(_state: MergeState, form: FormData): Promise<MergeState> {
  const guard = await requireAdmin();
  if (!guard.ok) return { error: guard.error };
  const parsed = z
    .object({ intoId: Id, fromId: z.string().min(1, 'Choose the person to merge.') })
    .refine((v) => v.intoId !== v.fromId, 'A person cannot be merged into themselves.')
    .safeParse({ intoId: form.get('intoId'), fromId: form.get('fromId') });
  if (!parsed.success) return { error: parsed.error.issues[0]!.message };
  try {
    const { mergePeople } = await request(MergePeopleDocument, { into: parsed.data.intoId, from: parsed.data.fromId });
    if (isError(mergePeople)) return { error: mergePeople.message };
    revalidatePath('/people');
    revalidatePath(`/people/${parsed.data.intoId}`);
    const m = mergePeople.data;
    const moved = [
      `${m.samplesMoved} face ${m.samplesMoved === 1 ? 'sample' : 'samples'}`,
      `${m.passesMoved} visitor ${m.passesMoved === 1 ? 'pass' : 'passes'}`,
      `${m.groupsAdded} ${m.groupsAdded === 1 ? 'group' : 'groups'}`,
      `${m.auditEventsMoved} audit ${m.auditEventsMoved === 1 ? 'event' : 'events'}`,
      ...(m.cardMoved ? ['the card'] : []),
      ...(m.pinMoved ? ['the PIN'] : []),
    ];
    return { ok: true, merged: m, message: `Merged: ${moved.join(', ')} moved; the other record is erased.`, at: Date.now() };
  } catch (error) {
    return { error: explain(error) };
  }
}
