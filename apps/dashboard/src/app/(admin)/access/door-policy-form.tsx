'use client';

import { useActionState, useRef } from 'react';
import Link from 'next/link';
import { FormFeedback } from '@/components/form-feedback';
import { SubmitButton } from '@/components/submit-button';
import { saveDoorPolicy } from './actions';
import type { DoorRow, LivenessCalibration } from './access-types';

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
      <p>
        <Link href={`/access/doors/${door.id}`}>Who may pass {door.name} now</Link>
      </p>
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
