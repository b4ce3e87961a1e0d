'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { graphql } from '@/generated';
import { explain, isError, request } from '@/lib/api';
import { rejectionText } from '@/lib/format';
import { requireAdmin } from '@/lib/session';

export type PersonImport =
  | {
      ok: true;
      name: string;
      personId: string | null;
      created: boolean;
      enrolled: number;
      rejected: { index: number; filename: string; code: string; text: string; duplicateOf: string | null }[];
    }
  | { ok: false; error: string; code?: string };

const ImportPersonDocument = graphql(`
  mutation ImportPerson($name: String!, $images: [File!]!, $allow: Boolean) {
    importPerson(name: $name, images: $images, allowDuplicates: $allow) {
      __typename
      ... on MutationImportPersonSuccess {
        data {
          name
          created
          enrolled
          person {
            id
          }
          rejected {
            index
            filename
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

const Name = z.string().trim().min(1, 'A person needs a name.').max(200, 'A name has at most 200 characters.');

/** One person of a bulk import (one request per person: the page's progress, and no half-enrolled person). */
export async function importPersonPhotos(form: FormData): Promise<PersonImport> {
  const guard = await requireAdmin();
  if (!guard.ok) return { ok: false, error: guard.error };
  const name = Name.safeParse(form.get('name'));
  if (!name.success) return { ok: false, error: name.error.issues[0]!.message };
  const photos = form.getAll('photos').filter((f): f is File => f instanceof File);
  if (photos.length === 0) return { ok: false, error: 'No photo.' };
  try {
    const { importPerson } = await request(ImportPersonDocument, {
      name: name.data,
      images: photos,
      allow: form.get('allowDuplicates') === 'on',
    });
    if (isError(importPerson)) return { ok: false, error: importPerson.message, ...(importPerson.code ? { code: importPerson.code } : {}) };
    const d = importPerson.data;
    revalidatePath('/people');
    return {
      ok: true,
      name: d.name,
      personId: d.person?.id ?? null,
      created: d.created,
      enrolled: d.enrolled,
      rejected: d.rejected.map((r) => ({
        index: r.index,
        filename: r.filename,
        code: r.code,
        text: rejectionText(r.code, r.message),
        duplicateOf: r.duplicateOf?.name ?? null,
      })),
    };
  } catch (error) {
    return { ok: false, error: explain(error) };
  }
}
