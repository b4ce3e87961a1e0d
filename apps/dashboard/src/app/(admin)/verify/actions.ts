'use server';

import { z } from 'zod';
import { graphql } from '@/generated';
import { explain, isError, request } from '@/lib/api';
import { reasonText, rejectionText } from '@/lib/format';
import { NO_THRESHOLDS, recognitionView, type ConsoleState } from '@/lib/recognition';
import { requireAdmin } from '@/lib/session';
import { photosFrom } from '@/lib/validation';

const VerifyFaceDocument = graphql(`
  mutation VerifyFace($input: VerifyFaceInput!) {
    verifyFace(input: $input) {
      __typename
      ... on MutationVerifyFaceSuccess {
        data {
          ...RecognitionResultFields
        }
      }
      ...MutationError
    }
  }
`);

const VerifyInput = z
  .discriminatedUnion('claim', [
    z.object({ claim: z.literal('person'), personId: z.string().min(1, 'Choose the person claimed.') }),
    z.object({ claim: z.literal('card'), cardId: z.string().trim().min(1, 'Type the card id swiped.').max(64) }),
  ])
  .and(
    z.object({
      doorId: z
        .string()
        .optional()
        .transform((v) => v || undefined),
    }),
  );

export async function verifyFace(_state: ConsoleState, form: FormData): Promise<ConsoleState> {
  const guard = await requireAdmin();
  if (!guard.ok) return { error: guard.error };
  const parsed = VerifyInput.safeParse({
    claim: form.get('claim'),
    personId: form.get('personId') ?? '',
    cardId: form.get('cardId') ?? '',
    doorId: form.get('doorId') ?? '',
  });
  if (!parsed.success) return { error: parsed.error.issues.map((i) => i.message).join(' ') };
  const photos = photosFrom(form, 'photo', { max: 1 });
  if (!photos.success) return { error: photos.error };
  const claim = parsed.data.claim === 'person' ? { personId: parsed.data.personId } : { cardId: parsed.data.cardId };
  try {
    const { verifyFace } = await request(VerifyFaceDocument, {
      input: { ...claim, doorId: parsed.data.doorId ?? null, image: photos.data[0]! },
    });
    if (isError(verifyFace) || !('data' in verifyFace)) {
      const code = 'code' in verifyFace ? verifyFace.code : 'ERROR';
      const message = 'message' in verifyFace ? verifyFace.message : undefined;
      return {
        error:
          code === 'NOT_FOUND'
            ? `Nobody has that ${'cardId' in claim ? 'card id' : 'id'}: ${message}`
            : rejectionText(code, message ?? reasonText(code.toLowerCase())),
      };
    }
    const result = recognitionView(verifyFace.data);
    return result ? { result, at: Date.now() } : { error: NO_THRESHOLDS };
  } catch (error) {
    return { error: explain(error) };
  }
}
