'use client';

import Link from 'next/link';
import { useActionState, useState } from 'react';
import { SubmitButton } from '@/components/submit-button';
import { LocalTime } from '@/components/local-time';
import { reasonText } from '@/lib/format';
import type { DoorFaceFragment as GroupFace } from '@/generated/graphql';
import { learnFaces, type LearnState } from './actions';

/**
 * One group of similar door faces: every face ticked by default; the administrator picks who they are
 * (someone enrolled, or a new person) and adds them in one click. Nothing is chosen for them: the
 * nearest enrolled person and any name claimed at the door are shown as hints, never preselected.
 */
export function LearnGroup({
  index,
  faces,
  spread,
  threshold,
  people,
  canEdit,
}: {
  index: number;
  faces: GroupFace[];
  spread: number;
  threshold: number;
  people: { id: string; name: string }[];
  canEdit: boolean;
}) {
  const [state, action] = useActionState<LearnState, FormData>(learnFaces, {});
  const [target, setTarget] = useState('');
  const times = faces.map((f) => Date.parse(f.event.createdAt)).sort((a, b) => a - b);
  const claimed = [...new Set(faces.map((f) => f.event.claimedLabel).filter((c): c is string => !!c))];
  const nearest = faces
    .map((f) => (f.nearestPerson && f.nearestDistance !== null ? { ...f.nearestPerson, d: f.nearestDistance } : null))
    .filter((n) => n !== null)
    .sort((a, b) => a.d - b.d)[0];
  const doors = [...new Set(faces.map((f) => f.event.door?.name).filter((d): d is string => !!d))];
  const id = `group-${index}`;
  const minutes = times.length > 1 ? (times.at(-1)! - times[0]!) / 60_000 : 0;
  return (
    <section className="panel learn-group" aria-labelledby={`${id}-title`} data-testid="learn-group">
      <h2 id={`${id}-title`}>
        {faces.length} {faces.length === 1 ? 'face' : 'similar faces'}
        <span className="muted" style={{ fontWeight: 400 }}>
          {' '}
          · {doors.length ? `at ${doors.join(', ')}` : 'no door'}
          {faces.length > 1 &&
            ` · ${minutes < 60 ? `within ${Math.max(1, Math.round(minutes))} min` : 'over several hours'} · largest distance ${spread.toFixed(3)} (under ${threshold.toFixed(3)})`}
        </span>
      </h2>
      {faces.length >= 5 && minutes < 30 && (
        <p className="alert warn">
          Many attempts in a short time: this may be someone trying to get in. Add these faces only to someone you recognise.
        </p>
      )}
      <form action={action}>
        <ul className="face-grid" aria-label={`Faces of group ${index + 1}`}>
          {faces.map((f) => (
            <li key={f.event.id}>
              <label>
                <input
                  type="checkbox"
                  name="eventId"
                  value={f.event.id}
                  defaultChecked
                  disabled={!canEdit}
                  aria-label={`Include the face of ${f.event.createdAt}`}
                />
                {f.event.thumbnail ? (
                  <img className="thumb large" src={f.event.thumbnail} alt="Face refused at the door" />
                ) : (
                  <span className="muted">no image</span>
                )}
              </label>
              <span className="face-meta">
                <Link href={`/audit/${f.event.id}`}>
                  <LocalTime iso={f.event.createdAt} seconds={false} />
                </Link>
                <br />
                {reasonText(f.event.reason)}
              </span>
            </li>
          ))}
        </ul>
        <p className="hint">
          {nearest ? (
            <>
              Nearest enrolled person: <Link href={`/people/${nearest.id}`}>{nearest.name}</Link> at {nearest.d.toFixed(3)} (
              {nearest.d < threshold ? 'under' : 'over'} the threshold {threshold.toFixed(3)}).{' '}
            </>
          ) : (
            'Nobody enrolled yet to compare with. '
          )}
          {claimed.length > 0 && <>Claimed at the door: {claimed.join(', ')} (a claim is not proof). </>}
        </p>
        {canEdit && (
          <div className="row learn-actions">
            <div className="field">
              <label htmlFor={`${id}-target`}>These faces are</label>
              <select id={`${id}-target`} name="target" value={target} onChange={(e) => setTarget(e.target.value)} required>
                <option value="">Choose…</option>
                <option value="new">a new person…</option>
                {people.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
            </div>
            {target === 'new' && (
              <>
                <div className="field">
                  <label htmlFor={`${id}-name`}>Name</label>
                  <input id={`${id}-name`} name="newName" required maxLength={200} autoComplete="off" />
                </div>
                <label className="checkbox">
                  <input type="checkbox" name="confirmDuplicateName" /> another person of the same name
                </label>
              </>
            )}
            <SubmitButton pending="Adding…" disabled={!target}>
              Add to {target === 'new' ? 'the new person' : (people.find((p) => p.id === target)?.name ?? '…')}
            </SubmitButton>
          </div>
        )}
        <div aria-live="polite" data-testid="learn-feedback">
          {state.error && (
            <p role="alert" className="alert error">
              {state.error}
            </p>
          )}
          {state.message && (
            <p className="alert ok">
              {state.message} {state.personId && <Link href={`/people/${state.personId}`}>Open their page</Link>}
            </p>
          )}
          {state.rejected && state.rejected.length > 0 && (
            <ul className="rejections">
              {state.rejected.map((r) => (
                <li key={r.eventId}>{r.text}</li>
              ))}
            </ul>
          )}
        </div>
      </form>
    </section>
  );
}
