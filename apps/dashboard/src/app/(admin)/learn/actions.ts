'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { graphql } from '@/generated';
import { explain, isError, request } from '@/lib/api';
import { rejectionText } from '@/lib/format';
import { requireAdmin } from '@/lib/session';

export interface LearnState {
  error?: string;
  message?: string;
  personId?: string;
  rejected?: { eventId: string; text: string }[];
  at?: number;
}

const Learn = z.object({
  eventIds: z.array(z.string().min(1).max(100)).min(1, 'Choose at least one face.').max(50, 'At most 50 faces at once.'),
  target: z.string().min(1, 'Choose who these faces are.'),
  newName: z.string().trim().max(200, 'A name has at most 200 characters.').optional(),
  confirmDuplicateName: z.boolean(),
});

const LearnFacesDocument = graphql(`
  mutation LearnFaces($ids: [ID!]!, $personId: ID, $name: String, $confirm: Boolean) {
    learnFacesFromDoors(eventIds: $ids, personId: $personId, newPersonName: $name, confirmDuplicateName: $confirm) {
      __typename
      ... on MutationLearnFacesFromDoorsSuccess {
        data {
          person {
            id
            name
          }
          enrolled {
            id
          }
          rejected {
            eventId
            code
            message
            duplicateOf {
              name
            }
          }
        }
      }
      ...MutationError
    }
  }
`);

/**
 * Adds door faces to a person, or to a new one: the API runs enrolment on them (gates, duplicate
 * check) and logs the act. Nothing here decides who they are: the administrator chose.
 */
export async function learnFaces(_state: LearnState, form: FormData): Promise<LearnState> {
  const guard = await requireAdmin();
  if (!guard.ok) return { error: guard.error };
  const parsed = Learn.safeParse({
    eventIds: form.getAll('eventId').map(String),
    target: String(form.get('target') ?? ''),
    newName: form.get('newName') ? String(form.get('newName')) : undefined,
    confirmDuplicateName: form.get('confirmDuplicateName') === 'on',
  });
  if (!parsed.success) return { error: parsed.error.issues[0]?.message ?? 'Please correct the form.' };
  const { eventIds, target, newName, confirmDuplicateName } = parsed.data;
  const isNew = target === 'new';
  if (isNew && !newName) return { error: 'Name the new person.' };
  let added: { personId: string; faces: number; refused: number };
  try {
    const { learnFacesFromDoors: result } = await request(LearnFacesDocument, {
      ids: eventIds,
      personId: isNew ? null : target,
      name: isNew ? newName : null,
      confirm: confirmDuplicateName,
    });
    if (isError(result)) {
      const hint = result.code === 'DUPLICATE_NAME' ? ' Tick “another person of the same name” if they are someone else.' : '';
      return { error: `${result.message}.${hint}` };
    }
    const { person, enrolled, rejected } = result.data;
    revalidatePath('/learn');
    if (person) revalidatePath(`/people/${person.id}`);
    const reasons = rejected.map((r) => ({ eventId: r.eventId, text: rejectionText(r.code, r.duplicateOf ? `${r.message}` : r.message) }));
    if (enrolled.length === 0)
      return {
        error: `No face was added${person ? ` to ${person.name}` : ''}: each was refused by enrolment.`,
        rejected: reasons,
        at: Date.now(),
      };
    added = { personId: person!.id, faces: enrolled.length, refused: rejected.length };
  } catch (error) {
    return { error: explain(error) };
  }
  // The learned faces now match someone: their group leaves the list, so the answer is the page's banner.
  redirect(`/learn?added=${encodeURIComponent(added.personId)}&faces=${added.faces}&refused=${added.refused}`);
}
