'use client';

import { useActionState } from 'react';
import { markAttemptLive, type MarkLiveState } from '@/app/(admin)/audit/actions';
import { FormFeedback } from './form-feedback';
import { SubmitButton } from './submit-button';

/**
 * "This was a live person" on a refused attempt: the door's calibration then reads its score (a camera
 * that scores everyone low is only seen through the people it refused).
 */
export function MarkLiveForm({ attemptId, marked }: { attemptId: string; marked: boolean }) {
  const [state, action] = useActionState<MarkLiveState, FormData>(markAttemptLive, {});
  if (marked || state.marked) {
    return (
      <p className="alert ok" data-testid="marked-live">
        {state.message ?? "Marked as a live person: this door's liveness calibration (Access) counts its score."}
      </p>
    );
  }
  return (
    <form action={action} data-testid="mark-live">
      <input type="hidden" name="attemptId" value={attemptId} />
      <SubmitButton pending="Marking…" className="secondary">
        This was a live person
      </SubmitButton>
      <p className="hint">
        Only if you know it was the person themself, not a photo or a screen: the door&apos;s liveness calibration then counts this score,
        and the admin log records that you marked it.
      </p>
      <FormFeedback state={state} />
    </form>
  );
}
