'use client';

import { useActionState } from 'react';
import { FormFeedback } from '@/components/form-feedback';
import { SubmitButton } from '@/components/submit-button';
import { changeMembers } from './actions';
import type { AccessData, PersonRow } from './access-types';
import { PeoplePicker } from './people-picker';

const count = (n: number) => (n === 1 ? '1 person' : `${n} people`);

/**
 * A group's members, added and removed several at a time: one action each, and one transaction in the
 * API. The pickers are remounted (unticked) once their change is saved.
 */
export function GroupMembers({
  group,
  people,
  readOnly,
}: {
  group: AccessData['accessGroups'][number];
  people: PersonRow[];
  readOnly: boolean;
}) {
  const [added, add] = useActionState(changeMembers, {});
  const [removed, remove] = useActionState(changeMembers, {});
  const names = group.members.map((m) => m.name).join(', ');
  if (readOnly) return <p>Members: {names || 'nobody yet'}</p>;
  const members = new Set(group.members.map((m) => m.id));
  const others = people.filter((p) => !members.has(p.id));
  return (
    <div className="row" style={{ alignItems: 'flex-start' }}>
      {group.members.length === 0 ? (
        <p>Members: nobody yet</p>
      ) : (
        <form action={remove} aria-label={`Remove members from ${group.name}`} key={`remove-${removed.ok ? removed.at : ''}`}>
          <input type="hidden" name="groupId" value={group.id} />
          <input type="hidden" name="groupName" value={group.name} />
          <input type="hidden" name="remove" value="1" />
          <PeoplePicker
            id={`members-${group.id}`}
            people={group.members}
            legend={`Members of ${group.name} (${group.members.length})`}
            submit={(n) => (
              <SubmitButton className="secondary" pending="Removing…">
                Remove {count(n)} from {group.name}
              </SubmitButton>
            )}
          />
          <FormFeedback state={removed} />
        </form>
      )}
      {others.length > 0 && (
        <form action={add} aria-label={`Add members to ${group.name}`} key={`add-${added.ok ? added.at : ''}`}>
          <input type="hidden" name="groupId" value={group.id} />
          <input type="hidden" name="groupName" value={group.name} />
          <PeoplePicker
            id={`add-${group.id}`}
            people={others}
            legend={`Add to ${group.name}`}
            submit={(n) => (
              <SubmitButton className="secondary" pending="Adding…">
                Add {count(n)} to {group.name}
              </SubmitButton>
            )}
          />
          <FormFeedback state={added} />
        </form>
      )}
    </div>
  );
}
