'use server';

import { z } from 'zod';
import { explain, gqlUpload, isError } from '@/lib/api';
import { rejectionText } from '@/lib/format';
import { RESULT_FIELDS, type ConsoleState, type RecognitionView } from '@/lib/recognition';
import { requireAdmin } from '@/lib/session';
import { photosFrom } from '@/lib/validation';

const IdentifyInput = z.object({
  doorId: z
    .string()
    .optional()
    .transform((v) => v || undefined),
  candidates: z.coerce.number().int().min(1, 'List at least 1 candidate.').max(20, 'At most 20 candidates.').default(5),
});

export async function identifyFace(_state: ConsoleState, form: FormData): Promise<ConsoleState> {
  const guard = await requireAdmin();
  if (!guard.ok) return { error: guard.error };
  const parsed = IdentifyInput.safeParse({ doorId: form.get('doorId') ?? '', candidates: form.get('candidates') || undefined });
  if (!parsed.success) return { error: parsed.error.issues.map((i) => i.message).join(' ') };
  const photos = photosFrom(form, 'photo', { max: 1 });
  if (!photos.success) return { error: photos.error };
  try {
    const { identifyFace } = await gqlUpload<{
      identifyFace: { __typename: string; data?: RecognitionView; code?: string; message?: string };
    }>(
      `mutation ($image: File!, $doorId: ID, $candidates: Int) { identifyFace(image: $image, doorId: $doorId, candidates: $candidates) { __typename ... on MutationIdentifyFaceSuccess { data { ${RESULT_FIELDS} } } ... on Error { code message } } }`,
      { image: null, doorId: parsed.data.doorId ?? null, candidates: parsed.data.candidates },
      { image: photos.data[0]! },
    );
    if (isError(identifyFace) || !identifyFace.data)
      return { error: rejectionText(identifyFace.code ?? 'ERROR', identifyFace.message ?? 'The photo was not identified.') };
    return { result: identifyFace.data, at: Date.now() };
  } catch (error) {
    return { error: explain(error) };
  }
}
