'use client';

import { useActionState } from 'react';
import { FormFeedback } from '@/components/form-feedback';
import { SubmitButton } from '@/components/submit-button';
import { formatSpecialDays, formatWeekly } from '@/lib/schedule-text';
import { createSchedule, deleteSchedule, editSchedule } from './actions';
import type { ScheduleRow } from './access-types';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const days = (list: number[]) => (list.length === 7 ? 'every day' : list.map((d) => WEEKDAYS[d - 1]).join(', '));

/** A schedule's weekly hours and special days as lines to edit (several windows, days with their own hours). */
function ScheduleEditor({ schedule }: { schedule: ScheduleRow }) {
  const [state, action] = useActionState(editSchedule, {});
  const p = `schedule-${schedule.id}`;
  return (
    <details className="editor">
      <summary>Edit {schedule.name}</summary>
      <form action={action} aria-label={`Edit schedule ${schedule.name}`}>
        <input type="hidden" name="id" value={schedule.id} />
        {/* Keyed by what is saved: a sent form is reset by React, and must then show the saved values. */}
        <div key={JSON.stringify(schedule)}>
          <div className="field">
            <label htmlFor={`${p}-name`}>Name</label>
            <input id={`${p}-name`} name="name" defaultValue={schedule.name} required />
          </div>
          <div className="field">
            <label htmlFor={`${p}-weekly`}>
              Weekly hours <span className="hint">one per line, e.g. Mon-Fri 08:00-19:00 or Sat,Sun 09:00-12:00</span>
            </label>
            <textarea id={`${p}-weekly`} name="weekly" rows={3} defaultValue={formatWeekly(schedule.windows)} required />
          </div>
          <div className="field">
            <label htmlFor={`${p}-special`}>
              Special days <span className="hint">one per line: 2026-12-25 (closed) or 2026-12-24 08:00-12:00 (those hours only)</span>
            </label>
            <textarea id={`${p}-special`} name="special" rows={3} defaultValue={formatSpecialDays(schedule.exceptions)} />
          </div>
        </div>
        <SubmitButton pending="Saving…">Save {schedule.name}</SubmitButton>
        <FormFeedback state={state} />
      </form>
    </details>
  );
}

export function ScheduleForms({ schedules, readOnly }: { schedules: ScheduleRow[]; readOnly: boolean }) {
  const [state, action] = useActionState(createSchedule, {});
  const [removed, remove] = useActionState(deleteSchedule, {});
  return (
    <>
      {schedules.length === 0 ? (
        <p className="muted">No schedule yet: a group allowed at a door without one may pass at any time.</p>
      ) : (
        <ul>
          {schedules.map((s) => (
            <li key={s.id}>
              <form action={remove} className="row" style={{ alignItems: 'center' }}>
                <span>
                  <strong>{s.name}</strong> · {s.windows.map((w) => `${days(w.days)} ${w.from}-${w.to}`).join('; ')}
                  {s.exceptions.length > 0 && (
                    <span className="muted">
                      {' '}
                      ·{' '}
                      {s.exceptions
                        .map((e) =>
                          e.windows.length === 0
                            ? `closed ${e.date}`
                            : `${e.date} only ${e.windows.map((w) => `${w.from}-${w.to}`).join(', ')}`,
                        )
                        .join('; ')}
                    </span>
                  )}
                </span>
                <input type="hidden" name="id" value={s.id} />
                {!readOnly && (
                  <SubmitButton className="secondary" pending="Deleting…" label={`Delete schedule ${s.name}`}>
                    Delete
                  </SubmitButton>
                )}
              </form>
              {!readOnly && <ScheduleEditor schedule={s} />}
            </li>
          ))}
        </ul>
      )}
      <FormFeedback state={removed} />
      {!readOnly && (
        <form action={action} aria-label="New schedule">
          <div className="row">
            <div className="field">
              <label htmlFor="schedule-name">New schedule</label>
              <input id="schedule-name" name="name" required placeholder="Office hours" />
            </div>
            <fieldset className="field">
              <legend>Days</legend>
              <div className="checks">
                {WEEKDAYS.map((d, i) => (
                  <label key={d}>
                    <input type="checkbox" name="days" value={i + 1} defaultChecked={i < 5} /> {d}
                  </label>
                ))}
              </div>
            </fieldset>
            <div className="field">
              <label htmlFor="schedule-from">From</label>
              <input id="schedule-from" name="from" type="time" defaultValue="08:00" required />
            </div>
            <div className="field">
              <label htmlFor="schedule-to">To</label>
              <input id="schedule-to" name="to" type="time" defaultValue="19:00" required />
            </div>
            <div className="field">
              <label htmlFor="schedule-holidays">
                Closed on <span className="hint">dates, e.g. 2026-12-25, 2027-01-01 (or 2026-12-24 08:00-12:00 for those hours only)</span>
              </label>
              <input id="schedule-holidays" name="holidays" placeholder="2026-12-25" />
            </div>
            <SubmitButton pending="Adding…">Add schedule</SubmitButton>
          </div>
          <FormFeedback state={state} />
        </form>
      )}
    </>
  );
}
