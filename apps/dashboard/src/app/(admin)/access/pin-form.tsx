'use client';

import { useActionState } from 'react';
import { FormFeedback } from '@/components/form-feedback';
import { SubmitButton } from '@/components/submit-button';
import { setPin } from './actions';
import type { AccessData } from './access-types';
import { PersonSelect } from './person-fields';

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
