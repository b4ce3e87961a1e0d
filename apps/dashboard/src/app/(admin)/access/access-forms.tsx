'use client';

import { useActionState, useRef } from 'react';
import { FormFeedback } from '@/components/form-feedback';
import { SubmitButton } from '@/components/submit-button';
import { LocalTime, TimeZoneNote } from '@/components/local-time';
import { formatSpecialDays, formatWeekly } from '@/lib/schedule-text';
import {
  changeGrant,
  changeMember,
  checkAccess,
  createGroup,
  createSchedule,
  deleteGroup,
  deleteSchedule,
  editSchedule,
  issuePass,
  revokePass,
  saveDoorPolicy,
  setPin,
  type CheckState,
} from './actions';

type DoorSettings = {
  falseAcceptRate: number | null;
  thresholdOverride: number | null;
  stepUp: boolean | null;
  liveness: string | null;
  livenessLivePoint: number | null;
  minFrames: number | null;
  requirePin: boolean | null;
  threshold: number;
};
/** Where the liveness scores of the door's accepted attempts lie (administrators only). */
export type LivenessCalibration = {
  points: { attack: number; live: number } | null;
  calibrated: boolean;
  attempts: number;
  markedLive: number;
  quantiles: { q: number; score: number }[];
  suggestedLivePoint: number | null;
  stepUpNow: number | null;
};
type DoorRow = {
  id: string;
  name: string;
  timeZone: string;
  access: 'EVERYONE' | 'GROUPS';
  settings: DoorSettings;
  calibration?: LivenessCalibration | null;
};
type ScheduleRow = {
  id: string;
  name: string;
  windows: { days: number[]; from: string; to: string }[];
  exceptions: { date: string; windows: { from: string; to: string }[] }[];
};
type Pass = { id: string; validFrom: string; validUntil: string; revokedAt: string | null; doors: { id: string; name: string }[] };
type PersonRow = { id: string; name: string; active: boolean; hasPin: boolean; passes: Pass[] };

export interface AccessData {
  doors: DoorRow[];
  schedules: ScheduleRow[];
  accessGroups: {
    id: string;
    name: string;
    members: { id: string; name: string }[];
    doors: { door: { id: string; name: string } | null; schedule: { id: string; name: string } | null }[];
  }[];
  people: { edges: { node: PersonRow }[] };
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const ZONES = [
  'UTC',
  'Europe/London',
  'Europe/Paris',
  'Europe/Berlin',
  'America/New_York',
  'America/Chicago',
  'America/Los_Angeles',
  'Asia/Tokyo',
  'Asia/Singapore',
  'Australia/Sydney',
];

/** A required choice of one person, empty until chosen. */
function PersonSelect({
  people,
  id,
  label,
  defaultValue = '',
}: {
  people: PersonRow[];
  id?: string;
  label?: string;
  defaultValue?: string;
}) {
  return (
    <select id={id} name="personId" aria-label={label} required defaultValue={defaultValue}>
      <option value="" disabled>
        Person…
      </option>
      {people.map((p) => (
        <option key={p.id} value={p.id}>
          {p.name}
        </option>
      ))}
    </select>
  );
}

const days = (list: number[]) => (list.length === 7 ? 'every day' : list.map((d) => WEEKDAYS[d - 1]).join(', '));
/**
 * datetime-local fields show the viewer's own time zone; before the form goes, each named here is
 * replaced by its ISO instant (the server cannot know the viewer's zone).
 */
function withInstants(send: (form: FormData) => void, fields: string[]) {
  return (form: FormData) => {
    for (const field of fields) {
      const value = form.get(field);
      form.set(
        field,
        typeof value === 'string' && value !== '' && !Number.isNaN(new Date(value).getTime()) ? new Date(value).toISOString() : '',
      );
    }
    send(form);
  };
}

const pct = (v: number) => `${Math.round(100 * v)} %`;

/** The door's liveness scores in words, and its suggested live point (a button puts it in the field). */
function LivenessCalibrationNote({ calibration, onUse }: { calibration: LivenessCalibration; onUse: (point: number) => void }) {
  const { points, attempts, quantiles, suggestedLivePoint, stepUpNow } = calibration;
  const p5 = quantiles.find((q) => q.q === 0.05);
  if (!points) return <span className="hint">liveness is off here</span>;
  return (
    <span className="hint" data-calibration="liveness">
      now: attack below {points.attack.toFixed(3)}, PIN below {points.live.toFixed(3)}
      {calibration.calibrated ? ' (this door’s own)' : ''}. {attempts}{' '}
      {calibration.markedLive > 0
        ? `live ${attempts === 1 ? 'attempt' : 'attempts'} (${calibration.markedLive} refused, then marked live by an administrator)`
        : 'accepted attempts'}{' '}
      with a score in 30 days
      {stepUpNow !== null ? `, ${pct(stepUpNow)} of them asked for the PIN` : ''}
      {p5 ? `; 5 % scored under ${p5.score.toFixed(3)}` : ''}.{' '}
      {suggestedLivePoint === null ? (
        'A suggestion needs 20 accepted attempts.'
      ) : (
        <button type="button" className="secondary" onClick={() => onUse(suggestedLivePoint)}>
          Use the suggestion {suggestedLivePoint.toFixed(3)}
        </button>
      )}
    </span>
  );
}

export function DoorPolicyForm({ door, readOnly }: { door: DoorRow; readOnly: boolean }) {
  const [state, action] = useActionState(saveDoorPolicy, {});
  const livePoint = useRef<HTMLInputElement>(null);
  const s = door.settings;
  const p = `door-${door.id}`;
  // When the API asks for a confirmation, the form shows what was sent (React resets a sent form).
  const sent = state.needsConfirmation ? state.submitted : undefined;
  const value = (key: string, saved: string) => sent?.[key] ?? saved;
  return (
    <form action={action} className="panel" aria-label={`Rules of ${door.name}`}>
      <h3>{door.name}</h3>
      <input type="hidden" name="id" value={door.id} />
      <input type="hidden" name="name" value={door.name} />
      {/* Keyed by what is saved: a sent form is reset by React, and must then show the saved values. */}
      <fieldset key={`${door.access}:${door.timeZone}:${JSON.stringify(s)}:${sent ? state.at : ''}`} disabled={readOnly} className="row">
        <div className="field">
          <label htmlFor={`${p}-zone`}>Time zone</label>
          <input id={`${p}-zone`} name="timeZone" list="time-zones" defaultValue={value('timeZone', door.timeZone)} required />
        </div>
        <div className="field">
          <label htmlFor={`${p}-access`}>Who may pass</label>
          <select id={`${p}-access`} name="access" defaultValue={value('access', door.access)}>
            <option value="EVERYONE">Everyone enrolled and active</option>
            <option value="GROUPS">Only the groups allowed here</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${p}-far`}>False accepts</label>
          <select
            id={`${p}-far`}
            name="falseAcceptOneIn"
            defaultValue={value('falseAcceptOneIn', s.falseAcceptRate ? String(Math.round(1 / s.falseAcceptRate)) : '')}
          >
            <option value="">As in Settings</option>
            <option value="1000">1 in 1,000</option>
            <option value="10000">1 in 10,000</option>
            <option value="100000">1 in 100,000</option>
            <option value="1000000">1 in 1,000,000</option>
          </select>
          <span className="hint">threshold here {s.threshold.toFixed(3)}</span>
        </div>
        <div className="field">
          <label htmlFor={`${p}-threshold`}>
            Fixed threshold <span className="hint">empty: from the target</span>
          </label>
          <input
            id={`${p}-threshold`}
            name="thresholdOverride"
            type="number"
            step="0.001"
            min="0.05"
            max="1.5"
            placeholder={s.threshold.toFixed(3)}
            defaultValue={value('thresholdOverride', s.thresholdOverride === null ? '' : String(s.thresholdOverride))}
            style={{ maxWidth: '9rem' }}
          />
        </div>
        <div className="field">
          <label htmlFor={`${p}-stepup`}>Second factor when unsure</label>
          <select id={`${p}-stepup`} name="stepUp" defaultValue={value('stepUp', s.stepUp === null ? '' : String(s.stepUp))}>
            <option value="">As in Settings</option>
            <option value="true">Ask for the PIN</option>
            <option value="false">Never ask (refuse)</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${p}-frames`}>Frames needed</label>
          <select id={`${p}-frames`} name="minFrames" defaultValue={value('minFrames', s.minFrames ? String(s.minFrames) : '')}>
            <option value="">1 (default)</option>
            {[2, 3, 4, 5].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${p}-liveness`}>Liveness</label>
          <select id={`${p}-liveness`} name="liveness" defaultValue={value('liveness', s.liveness ?? '')}>
            <option value="">As in Settings</option>
            <option value="OFF">Off</option>
            <option value="BALANCED">Balanced</option>
            <option value="STRICT">Strict</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${p}-live-point`}>
            Liveness live point <span className="hint">empty: the mode&apos;s; below it a matching face is asked for the PIN</span>
          </label>
          <input
            ref={livePoint}
            id={`${p}-live-point`}
            name="livenessLivePoint"
            type="number"
            step="0.001"
            min="0.001"
            max="0.999"
            placeholder={door.calibration?.points?.live.toFixed(3) ?? ''}
            defaultValue={value('livenessLivePoint', s.livenessLivePoint === null ? '' : String(s.livenessLivePoint))}
            style={{ maxWidth: '9rem' }}
          />
          {door.calibration && (
            <LivenessCalibrationNote
              calibration={door.calibration}
              onUse={(point) => {
                if (livePoint.current) livePoint.current.value = point.toFixed(4);
              }}
            />
          )}
        </div>
        <div className="field">
          <label>
            <input type="checkbox" name="requirePin" defaultChecked={sent ? sent.requirePin === 'on' : (s.requirePin ?? false)} /> Always
            ask for the PIN
          </label>
        </div>
        {state.needsConfirmation && (
          <div className="alert warn" role="alert" data-warning="door-threshold">
            {state.needsConfirmation.map((w) => (
              <p key={w}>{w}</p>
            ))}
            <label>
              <input type="checkbox" name="confirmLargeChange" /> I have read the warning: save anyway
            </label>
          </div>
        )}
        {!readOnly && <SubmitButton pending="Saving…">Save {door.name}</SubmitButton>}
      </fieldset>
      <datalist id="time-zones">
        {ZONES.map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
      <FormFeedback state={state} />
    </form>
  );
}

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

export function GroupForms({ data, readOnly }: { data: AccessData; readOnly: boolean }) {
  const [created, create] = useActionState(createGroup, {});
  const [removed, remove] = useActionState(deleteGroup, {});
  const [member, changeMembers] = useActionState(changeMember, {});
  const [grant, changeGrants] = useActionState(changeGrant, {});
  const people = data.people.edges.map((e) => e.node);
  return (
    <>
      {data.accessGroups.length === 0 && <p className="muted">No group yet.</p>}
      {data.accessGroups.map((g) => (
        <div key={g.id} className="panel" aria-label={`Group ${g.name}`}>
          <form action={remove} className="row" style={{ alignItems: 'center' }}>
            <h3 style={{ margin: 0 }}>{g.name}</h3>
            <input type="hidden" name="id" value={g.id} />
            {!readOnly && (
              <SubmitButton className="secondary" pending="Deleting…" label={`Delete group ${g.name}`}>
                Delete group
              </SubmitButton>
            )}
          </form>
          <div>
            Members:{' '}
            {g.members.length === 0
              ? 'nobody yet'
              : g.members.map((m) => (
                  <form key={m.id} action={changeMembers} style={{ display: 'inline' }}>
                    <input type="hidden" name="groupId" value={g.id} />
                    <input type="hidden" name="personId" value={m.id} />
                    <input type="hidden" name="remove" value="1" />
                    {m.name}
                    {!readOnly && (
                      <SubmitButton className="link" pending="…" label={`Remove ${m.name} from ${g.name}`}>
                        ×
                      </SubmitButton>
                    )}{' '}
                  </form>
                ))}
          </div>
          <div>
            Doors:{' '}
            {g.doors.length === 0
              ? 'none yet'
              : g.doors.map((d) =>
                  d.door ? (
                    <form key={d.door.id} action={changeGrants} style={{ display: 'inline' }}>
                      <input type="hidden" name="groupId" value={g.id} />
                      <input type="hidden" name="doorId" value={d.door.id} />
                      <input type="hidden" name="remove" value="1" />
                      {d.door.name} ({d.schedule ? d.schedule.name : 'any time'})
                      {!readOnly && (
                        <SubmitButton className="link" pending="…" label={`Stop ${g.name} at ${d.door.name}`}>
                          ×
                        </SubmitButton>
                      )}{' '}
                    </form>
                  ) : null,
                )}
          </div>
          {!readOnly && (
            <div className="row">
              <form action={changeMembers} className="row" aria-label={`Add a member to ${g.name}`}>
                <input type="hidden" name="groupId" value={g.id} />
                <PersonSelect people={people} label="Person" />
                <SubmitButton className="secondary" pending="Adding…">
                  Add member
                </SubmitButton>
              </form>
              <form action={changeGrants} className="row" aria-label={`Allow ${g.name} at a door`}>
                <input type="hidden" name="groupId" value={g.id} />
                <select name="doorId" aria-label="Door" required defaultValue="">
                  <option value="" disabled>
                    Door…
                  </option>
                  {data.doors.map((d) => (
                    <option key={d.id} value={d.id}>
                      {d.name}
                    </option>
                  ))}
                </select>
                <select name="scheduleId" aria-label="Schedule" defaultValue="">
                  <option value="">Any time</option>
                  {data.schedules.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.name}
                    </option>
                  ))}
                </select>
                <SubmitButton className="secondary" pending="Saving…">
                  Allow at door
                </SubmitButton>
              </form>
            </div>
          )}
        </div>
      ))}
      <FormFeedback state={removed} />
      <FormFeedback state={member} />
      <FormFeedback state={grant} />
      {!readOnly && (
        <form action={create} className="row" aria-label="New group">
          <div className="field">
            <label htmlFor="group-name">New group</label>
            <input id="group-name" name="name" required placeholder="Staff" />
          </div>
          <SubmitButton pending="Adding…">Add group</SubmitButton>
          <FormFeedback state={created} />
        </form>
      )}
    </>
  );
}

export function PassForms({ data, readOnly }: { data: AccessData; readOnly: boolean }) {
  const [issued, issue] = useActionState(issuePass, {});
  const [revoked, revoke] = useActionState(revokePass, {});
  const people = data.people.edges.map((e) => e.node);
  const passes = people.flatMap((p) => p.passes.map((pass) => ({ ...pass, person: p.name })));
  return (
    <>
      <p className="muted">
        A person with a pass is a visitor: let in only while a pass is valid, at the doors it names. <TimeZoneNote />
      </p>
      {passes.length === 0 ? (
        <p className="muted">No visitor pass.</p>
      ) : (
        <ul>
          {passes.map((p) => (
            <li key={p.id}>
              <form action={revoke} className="row" style={{ alignItems: 'center' }}>
                <span>
                  <strong>{p.person}</strong> · <LocalTime iso={p.validFrom} seconds={false} /> to{' '}
                  <LocalTime iso={p.validUntil} seconds={false} /> ·{' '}
                  {p.doors.length === 0 ? 'every door' : p.doors.map((d) => d.name).join(', ')}
                  {p.revokedAt && <span className="muted"> · revoked</span>}
                </span>
                <input type="hidden" name="id" value={p.id} />
                {!readOnly && !p.revokedAt && (
                  <SubmitButton className="secondary" pending="Revoking…" label={`Revoke ${p.person}'s pass`}>
                    Revoke
                  </SubmitButton>
                )}
              </form>
            </li>
          ))}
        </ul>
      )}
      <FormFeedback state={revoked} />
      {!readOnly && (
        <form action={withInstants(issue, ['validFrom', 'validUntil'])} aria-label="New visitor pass">
          <div className="row">
            <div className="field">
              <label htmlFor="pass-person">Visitor</label>
              <PersonSelect people={people} id="pass-person" />
            </div>
            <div className="field">
              <label htmlFor="pass-from">From</label>
              <input id="pass-from" name="validFrom" type="datetime-local" required />
            </div>
            <div className="field">
              <label htmlFor="pass-until">Until</label>
              <input id="pass-until" name="validUntil" type="datetime-local" required />
            </div>
            <fieldset className="field">
              <legend>Doors (none ticked: every door)</legend>
              <div className="checks">
                {data.doors.map((d) => (
                  <label key={d.id}>
                    <input type="checkbox" name="doorIds" value={d.id} /> {d.name}
                  </label>
                ))}
              </div>
            </fieldset>
            <SubmitButton pending="Issuing…">Issue pass</SubmitButton>
          </div>
          <FormFeedback state={issued} />
        </form>
      )}
    </>
  );
}

export function PinForm({ data, readOnly }: { data: AccessData; readOnly: boolean }) {
  const [state, action] = useActionState(setPin, {});
  const people = data.people.edges.map((e) => e.node);
  const withPin = people.filter((p) => p.hasPin);
  return (
    <>
      <p className="muted">
        A borderline or ambiguous face, or a door that always asks, is completed with the person&apos;s PIN at the door. PINs are stored
        hashed and never shown. {withPin.length === 0 ? 'Nobody has a PIN yet.' : `With a PIN: ${withPin.map((p) => p.name).join(', ')}.`}
      </p>
      {!readOnly && (
        <form action={action} className="row" aria-label="Set a PIN">
          <div className="field">
            <label htmlFor="pin-person">Person</label>
            <PersonSelect people={people} id="pin-person" />
          </div>
          <div className="field">
            <label htmlFor="pin-value">
              New PIN <span className="hint">4-12 digits; empty removes it</span>
            </label>
            <input id="pin-value" name="pin" type="password" inputMode="numeric" autoComplete="off" pattern="\d{4,12}" />
          </div>
          <SubmitButton pending="Saving…">Save PIN</SubmitButton>
          <FormFeedback state={state} />
        </form>
      )}
    </>
  );
}

/** A refusal by schedule: which group's schedule, a special day if one closed it, and when they may pass next. */
function ScheduleRefusal({ verdict }: { verdict: NonNullable<CheckState['verdict']> }) {
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
