'use server';

import { revalidatePath } from 'next/cache';
import { explain, gql, gqlUpload, isError } from '@/lib/api';
import { rejectionText } from '@/lib/format';
import { requireAdmin } from '@/lib/session';
import { PersonFields, photosFrom } from '@/lib/validation';

export interface EnrollState {
  error?: string;
  fieldErrors?: Record<string, string>;
  enrolled?: { id: string; name: string; samples: number; thumbnail: string | null };
  rejected?: { filename: string; text: string }[];
  at?: number;
}

type Union<T> = { __typename: string; data?: T; code?: string; message?: string };

export async function enrollPerson(_state: EnrollState, form: FormData): Promise<EnrollState> {
  const guard = await requireAdmin();
  if (!guard.ok) return { error: guard.error };
  const fields = PersonFields.safeParse({ name: form.get('name'), cardId: form.get('cardId') || undefined, notes: form.get('notes') || undefined });
  const photos = photosFrom(form, 'photos');
  const fieldErrors: Record<string, string> = {};
  if (!fields.success) for (const issue of fields.error.issues) fieldErrors[String(issue.path[0])] = issue.message;
  if (!photos.success) fieldErrors.photos = photos.error;
  if (!fields.success || !photos.success) return ({ error: 'Please correct the form.', fieldErrors });

  let personId: string;
  try {
    const { createPerson } = await gql<{ createPerson: Union<{ id: string }> }>(
      `mutation ($input: PersonInput!, $confirm: Boolean) { createPerson(input: $input, confirmDuplicateName: $confirm) { __typename ... on MutationCreatePersonSuccess { data { id } } ... on Error { code message } } }`,
      { input: fields.data, confirm: form.get('confirmDuplicateName') === 'on' },
    );
    if (isError(createPerson) || !createPerson.data) {
      const hint = createPerson.code === 'DUPLICATE_NAME' ? ' Tick “Create even if someone of that name is enrolled” if this is another person.' : '';
      return { error: `${fields.data.name} was not created: ${createPerson.message ?? 'unknown reason'}.${hint}` };
    }
    personId = createPerson.data.id;
  } catch (error) {
    return ({ error: explain(error) });
  }

  try {
    const { enrollFaces } = await gqlUpload<{
      enrollFaces: Union<{ person: { id: string; name: string; sampleCount: number; thumbnail: string | null }; rejected: { index: number; filename: string; code: string; message: string }[] }>;
    }>(
      `mutation ($id: ID!, $images: [File!]!, $allow: Boolean) { enrollFaces(personId: $id, images: $images, allowDuplicates: $allow) { __typename ... on MutationEnrollFacesSuccess { data { person { id name sampleCount thumbnail } rejected { index filename code message } } } ... on Error { code message } } }`,
      { id: personId, images: photos.data.map(() => null), allow: form.get('allowDuplicates') === 'on' },
      Object.fromEntries(photos.data.map((f, i) => [`images.${i}`, f])),
    );
    if (isError(enrollFaces) || !enrollFaces.data) throw new Error(enrollFaces.message ?? 'the photos were not enrolled');
    const { person, rejected } = enrollFaces.data;
    const reasons = rejected.map((r) => ({ filename: r.filename || photos.data[r.index]?.name || `photo ${r.index + 1}`, text: rejectionText(r.code, r.message) }));
    if (person.sampleCount === 0) {
      // Nobody without a usable face: take the empty record back and say why each photo failed.
      await gql(`mutation ($id: ID!) { deletePerson(id: $id) { __typename } }`, { id: personId }).catch(() => undefined);
      return ({ error: `${fields.data.name} was not enrolled: no photo had a usable face.`, rejected: reasons });
    }
    revalidatePath('/people');
    return { enrolled: { id: person.id, name: person.name, samples: person.sampleCount, thumbnail: person.thumbnail }, rejected: reasons, at: Date.now() };
  } catch (error) {
    await gql(`mutation ($id: ID!) { deletePerson(id: $id) { __typename } }`, { id: personId }).catch(() => undefined);
    return ({ error: `${fields.data.name} was not enrolled: ${explain(error)}` });
  }
}
