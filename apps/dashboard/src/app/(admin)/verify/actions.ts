'use server';

import { z } from 'zod';
import { explain, gqlUpload, isError } from '@/lib/api';
import { reasonText, rejectionText } from '@/lib/format';
import { RESULT_FIELDS, type ConsoleState, type RecognitionView } from '@/lib/recognition';
import { requireAdmin } from '@/lib/session';
import { photosFrom } from '@/lib/validation';

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
    const { verifyFace } = await gqlUpload<{ verifyFace: { __typename: string; data?: RecognitionView; code?: string; message?: string } }>(
      `mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename ... on MutationVerifyFaceSuccess { data { ${RESULT_FIELDS} } } ... on Error { code message } } }`,
      { input: { ...claim, doorId: parsed.data.doorId ?? null, image: null } },
      { 'input.image': photos.data[0]! },
    );
    if (isError(verifyFace) || !verifyFace.data) {
      const code = verifyFace.code ?? 'ERROR';
      return {
        error:
          code === 'NOT_FOUND'
            ? `Nobody has that ${'cardId' in claim ? 'card id' : 'id'}: ${verifyFace.message}`
            : rejectionText(code, verifyFace.message ?? reasonText(code.toLowerCase())),
      };
    }
    return { result: verifyFace.data, at: Date.now() };
  } catch (error) {
    return { error: explain(error) };
  }
}
