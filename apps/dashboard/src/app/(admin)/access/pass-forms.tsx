'use client';

import { useActionState } from 'react';
import { FormFeedback } from '@/components/form-feedback';
import { SubmitButton } from '@/components/submit-button';
import { LocalTime, TimeZoneNote } from '@/components/local-time';
import { issuePass, revokePass } from './actions';
import type { AccessData } from './access-types';
import { PersonSelect, withInstants } from './person-fields';

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
