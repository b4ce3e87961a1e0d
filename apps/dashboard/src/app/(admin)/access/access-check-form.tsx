'use client';

import { useActionState } from 'react';
import { SubmitButton } from '@/components/submit-button';
import { LocalTime } from '@/components/local-time';
import { checkAccess, type CheckState } from './actions';
import type { AccessData } from './access-types';
import { PersonSelect, withInstants } from './person-fields';

/** A refusal by schedule: which group's schedule, a special day if one closed it, and when they may pass next. */
export function ScheduleRefusal({
  verdict,
}: {
  verdict: Pick<NonNullable<CheckState['verdict']>, 'allowed' | 'schedules' | 'nextAllowedAt' | 'timeZone'>;
}) {
  const { schedules = [], nextAllowedAt, timeZone } = verdict;
  return (
    <>
      {schedules.length > 0 && (
        <ul data-testid="access-schedules" style={{ margin: '0.3rem 0 0' }}>
          {schedules.map((s, i) => (
            <li key={i}>
              group <strong>{s.group}</strong>, schedule <strong>“{s.schedule}”</strong>
              {s.specialDay ? `: ${s.specialDay} is one of its special days, closed at that time` : ': closed at that time'}
            </li>
          ))}
        </ul>
      )}
      {verdict.allowed ? null : nextAllowedAt ? (
        <div style={{ margin: '0.3rem 0 0' }} data-testid="access-next">
          Next time they may pass: <LocalTime iso={nextAllowedAt} seconds={false} />
          {timeZone
            ? ` (${new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date(nextAllowedAt))} at the door, ${timeZone})`
            : ''}
          .
        </div>
      ) : schedules.length > 0 ? (
        <div style={{ margin: '0.3rem 0 0' }} data-testid="access-next">
          None of these schedules opens in the next two months.
        </div>
      ) : null}
    </>
  );
}

/** Would this person get through this door then, face aside? The API's accessCheck, for trying a policy out. */
export function AccessCheckForm({ data }: { data: AccessData }) {
  const [state, action] = useActionState(checkAccess, {});
  const people = data.people.edges.map((e) => e.node);
  // The form keeps what was asked after answering (React resets a sent form to its defaults, so the
  // answer's copy becomes the defaults; the key remounts the fields with them).
  const asked = state.submitted;
  const keepLocal = (send: (form: FormData) => void) => (form: FormData) => {
    form.set('atLocal', String(form.get('at') ?? ''));
    send(form);
  };
  return (
    <form action={keepLocal(withInstants(action, ['at']))} aria-label="Check access" key={state.verdict?.at ?? state.error ?? 'check'}>
      <div className="row">
        <div className="field">
          <label htmlFor="check-person">Person</label>
          <PersonSelect people={people} id="check-person" defaultValue={asked?.personId ?? ''} />
        </div>
        <div className="field">
          <label htmlFor="check-door">Door</label>
          <select id="check-door" name="doorId" required defaultValue={asked?.doorId ?? ''}>
            <option value="" disabled>
              Door…
            </option>
            {data.doors.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="check-at">
            When <span className="hint">empty: now</span>
          </label>
          <input id="check-at" name="at" type="datetime-local" defaultValue={asked?.atLocal ?? ''} />
        </div>
        <SubmitButton className="secondary" pending="Checking…">
          Check
        </SubmitButton>
      </div>
      <div aria-live="polite" data-testid="access-verdict">
        {state.error && (
          <p role="alert" className="alert error">
            {state.error}
          </p>
        )}
        {state.verdict && (
          <div className={`alert ${state.verdict.allowed ? 'ok' : 'error'}`}>
            <p style={{ margin: 0 }} data-at={state.verdict.at}>
              {state.verdict.text}
            </p>
            <ScheduleRefusal verdict={state.verdict} />
          </div>
        )}
      </div>
    </form>
  );
}
