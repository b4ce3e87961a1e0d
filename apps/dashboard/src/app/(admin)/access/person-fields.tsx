import type { PersonRow } from './access-types';

/** A required choice of one person, empty until chosen. */
export function PersonSelect({
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

/**
 * datetime-local fields show the viewer's own time zone; before the form goes, each named here is
 * replaced by its ISO instant (the server cannot know the viewer's zone).
 */
export function withInstants(send: (form: FormData) => void, fields: string[]) {
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
