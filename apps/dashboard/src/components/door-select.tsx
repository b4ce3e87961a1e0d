/** A labelled <select> of doors; the empty choice (`emptyLabel`) submits an empty doorId. */
export function DoorSelect({ id, doors, emptyLabel }: { id: string; doors: readonly { id: string; name: string }[]; emptyLabel: string }) {
  return (
    <select id={id} name="doorId" defaultValue="">
      <option value="">{emptyLabel}</option>
      {doors.map((d) => (
        <option key={d.id} value={d.id}>
          {d.name}
        </option>
      ))}
    </select>
  );
}
