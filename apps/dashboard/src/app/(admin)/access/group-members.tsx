'use client';

import { useActionState } from 'react';
import { FormFeedback } from '@/components/form-feedback';
import { SubmitButton } from '@/components/submit-button';
import { changeMembers } from './actions';
import type { AccessData, PersonRow } from './access-types';
import { PeoplePicker } from './people-picker';

type Group = AccessData['accessGroups'][number];
const count = (n: number) => (n === 1 ? '1 person' : `${n} people`);

/** Ticked people added to (or removed from) the group in one action; the picker is unticked once saved. */
function MembersForm({ group, people, remove }: { group: Group; people: readonly { id: string; name: string }[]; remove: boolean }) {
  const [state, send] = useActionState(changeMembers, {});
  return (
    <form action={send} aria-label={remove ? `Remove members from ${group.name}` : `Add members to ${group.name}`}>
      <input type="hidden" name="groupId" value={group.id} />
      <input type="hidden" name="groupName" value={group.name} />
      {remove && <input type="hidden" name="remove" value="1" />}
      <PeoplePicker
        key={state.ok ? state.at : 'picker'}
        id={`${remove ? 'members' : 'add'}-${group.id}`}
        people={people}
        legend={remove ? `Members of ${group.name} (${people.length})` : `Add to ${group.name}`}
        submit={(n) => (
          <SubmitButton className="secondary" pending={remove ? 'Removing…' : 'Adding…'}>
            {remove ? `Remove ${count(n)} from` : `Add ${count(n)} to`} {group.name}
          </SubmitButton>
        )}
      />
      <FormFeedback state={state} />
    </form>
  );
}

/** A group's members, added and removed several at a time (one mutation each, one transaction in the API). */
export function GroupMembers({ group, people, readOnly }: { group: Group; people: PersonRow[]; readOnly: boolean }) {
  if (readOnly) return <p>Members: {group.members.map((m) => m.name).join(', ') || 'nobody yet'}</p>;
  const members = new Set(group.members.map((m) => m.id));
  const others = people.filter((p) => !members.has(p.id));
  return (
    <div className="row" style={{ alignItems: 'flex-start' }}>
      {group.members.length === 0 ? <p>Members: nobody yet</p> : <MembersForm group={group} people={group.members} remove />}
      {others.length > 0 && <MembersForm group={group} people={others} remove={false} />}
    </div>
  );
}
