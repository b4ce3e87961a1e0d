'use server';

import { z } from 'zod';
import { graphql } from '@/generated';
import { explain, isError, request } from '@/lib/api';
import { rejectionText } from '@/lib/format';
import { NO_THRESHOLDS, recognitionView, type ConsoleState } from '@/lib/recognition';
import { requireAdmin } from '@/lib/session';
import { photosFrom } from '@/lib/validation';

const IdentifyFaceDocument = graphql(`
  mutation IdentifyFace($image: File!, $doorId: ID, $candidates: Int) {
    identifyFace(image: $image, doorId: $doorId, candidates: $candidates) {
      __typename
      ... on MutationIdentifyFaceSuccess {
        data {
          ...RecognitionResultFields
        }
      }
      ...MutationError
    }
  }
`);

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
    const { identifyFace } = await request(IdentifyFaceDocument, {
      image: photos.data[0]!,
      doorId: parsed.data.doorId ?? null,
      candidates: parsed.data.candidates,
    });
    if (isError(identifyFace)) return { error: rejectionText(identifyFace.code, identifyFace.message) };
    const result = recognitionView(identifyFace.data);
    return result ? { result, at: Date.now() } : { error: NO_THRESHOLDS };
  } catch (error) {
    return { error: explain(error) };
  }
}
