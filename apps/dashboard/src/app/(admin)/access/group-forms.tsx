'use client';

import { useActionState } from 'react';
import { FormFeedback } from '@/components/form-feedback';
import { SubmitButton } from '@/components/submit-button';
import { changeGrant, createGroup, deleteGroup } from './actions';
import type { AccessData } from './access-types';
import { GroupMembers } from './group-members';

export function GroupForms({ data, readOnly }: { data: AccessData; readOnly: boolean }) {
  const [created, create] = useActionState(createGroup, {});
  const [removed, remove] = useActionState(deleteGroup, {});
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
          <GroupMembers group={g} people={people} readOnly={readOnly} />
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
          )}
        </div>
      ))}
      <FormFeedback state={removed} />
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
