'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { graphql } from '@/generated';
import { explain, isError, request } from '@/lib/api';
import { requireAdmin } from '@/lib/session';

export interface MarkLiveState {
  error?: string;
  message?: string;
  marked?: boolean;
}

const MarkAttemptLiveDocument = graphql(`
  mutation MarkAttemptLive($id: ID!) {
    markAttemptLive(attemptId: $id) {
      __typename
      ...MutationError
    }
  }
`);

const AttemptId = z.string().trim().min(1, 'No attempt given.').max(100);

/** "This was a live person": the attempt's liveness score joins what its door's calibration reads (logged by the API). */
export async function markAttemptLive(_state: MarkLiveState, form: FormData): Promise<MarkLiveState> {
  const guard = await requireAdmin();
  if (!guard.ok) return { error: guard.error };
  const id = AttemptId.safeParse(form.get('attemptId'));
  if (!id.success) return { error: id.error.issues[0]!.message };
  try {
    const { markAttemptLive } = await request(MarkAttemptLiveDocument, { id: id.data });
    if (isError(markAttemptLive)) return { error: `Not marked: ${markAttemptLive.message ?? markAttemptLive.code}.` };
    revalidatePath(`/audit/${id.data}`);
    revalidatePath('/access');
    return { marked: true, message: "Marked as a live person: this door's liveness calibration (Access) now counts its score." };
  } catch (error) {
    return { error: explain(error) };
  }
}
