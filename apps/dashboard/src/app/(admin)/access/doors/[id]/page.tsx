import type { Metadata } from 'next';
import Link from 'next/link';
import { safeRead } from '@/lib/api';
import { requireUser } from '@/lib/session';
import { ErrorPanel } from '@/components/error-panel';
import { LocalDateTimeField } from '@/components/local-datetime-field';
import { LocalTime } from '@/components/local-time';
import { ScheduleRefusal } from '../../access-check-form';
import { refusalText } from '../../access-reasons';

export const metadata: Metadata = { title: 'Who may pass' };

type Grant = { kind: string; group: string | null; schedule: string | null; validUntil: string | null; everyDoor: boolean | null };
type Passer = {
  person: { id: string; name: string };
  verdict: {
    allowed: boolean;
    reason: string | null;
    via: Grant[];
    schedules: { group: string; schedule: string; specialDay: string | null }[];
    nextAllowedAt: string | null;
    timeZone: string | null;
  };
};
type WhoMayPass = {
  at: string;
  timeZone: string;
  door: { id: string; name: string; access: 'EVERYONE' | 'GROUPS' | null } | null;
  allowed: Passer[];
  refused: Passer[];
};

const PASSER = `person { id name } verdict { allowed reason via { kind group schedule validUntil everyDoor } schedules { group schedule specialDay } nextAllowedAt timeZone }`;
const QUERY = `query ($d: ID!, $at: DateTime) { whoMayPass(doorId: $d, at: $at) { at timeZone door { id name access } allowed { ${PASSER} } refused { ${PASSER} } } }`;

/** What lets them in, in words. */
function GrantText({ grant }: { grant: Grant }) {
  if (grant.kind === 'group')
    return (
      <>
        member of <strong>{grant.group}</strong>, {grant.schedule ? <>within the schedule “{grant.schedule}”, open then</> : 'at any time'}
      </>
    );
  if (grant.kind === 'pass')
    return (
      <>
        visitor pass {grant.everyDoor ? 'for every door' : 'for this door'}, valid until{' '}
        {grant.validUntil ? <LocalTime iso={grant.validUntil} seconds={false} /> : '—'}
      </>
    );
  return <>the door lets in every active person</>;
}

/** The door's local time, named, for the instant asked about (the schedules are read in it). */
const doorTime = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(iso));

/**
 * Who may pass one door now (or at the time chosen), face aside: the API's whoMayPass, worked out by
 * the rules a door attempt applies. Each person says what lets them in, or why not and when next.
 */
export default async function WhoMayPassPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ at?: string | string[] }>;
}) {
  await requireUser();
  const { id } = await params;
  const { at } = await searchParams;
  // `at` comes as UTC "YYYY-MM-DDTHH:MM" (LocalDateTimeField turns the viewer's local time into it).
  const asked = typeof at === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(at) && !Number.isNaN(Date.parse(`${at}:00Z`)) ? at : null;
  const { data, error } = await safeRead<{ whoMayPass: WhoMayPass }>(QUERY, { d: id, at: asked ? `${asked}:00Z` : null });
  if (!data) return <ErrorPanel message={error} />;
  const w = data.whoMayPass;
  const name = w.door?.name ?? 'this door';
  return (
    <>
      <p>
        <Link href="/access">← Access</Link>
      </p>
      <h1>Who may pass {name}</h1>
      <p data-testid="who-when">
        {asked ? 'At ' : 'Now, '}
        <LocalTime iso={w.at} seconds={false} /> ({doorTime(w.at, w.timeZone)} at the door, {w.timeZone}).{' '}
        {w.door?.access === 'GROUPS'
          ? 'This door lets in only the groups allowed here, within their schedules, and visitors whose pass names it.'
          : w.door?.access === 'EVERYONE'
            ? 'This door lets in every active person, and visitors whose pass names it.'
            : ''}{' '}
        The face must match too. Nothing is recorded.
      </p>
      <form method="get" className="row" aria-label="Choose a time" style={{ marginBottom: '1rem' }}>
        <LocalDateTimeField id="who-at" name="at" label="At" utcValue={asked ?? undefined} />
        <button type="submit" className="secondary">
          Show
        </button>
        {asked && <Link href={`/access/doors/${id}`}>Back to now</Link>}
      </form>
      <section className="panel" aria-labelledby="may-pass-title">
        <h2 id="may-pass-title">May pass ({w.allowed.length})</h2>
        {w.allowed.length === 0 ? (
          <p className="muted">Nobody may pass then.</p>
        ) : (
          <ul data-testid="may-pass">
            {w.allowed.map((p) => (
              <li key={p.person.id}>
                <Link href={`/people/${p.person.id}`}>{p.person.name}</Link>:{' '}
                {p.verdict.via.map((g, i) => (
                  <span key={i}>
                    {i > 0 && '; or '}
                    <GrantText grant={g} />
                  </span>
                ))}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="panel" aria-labelledby="may-not-pass-title">
        <h2 id="may-not-pass-title">May not pass ({w.refused.length})</h2>
        {w.refused.length === 0 ? (
          <p className="muted">Nobody is refused then.</p>
        ) : (
          <ul data-testid="may-not-pass">
            {w.refused.map((p) => (
              <li key={p.person.id}>
                <Link href={`/people/${p.person.id}`}>{p.person.name}</Link>: {refusalText(p.verdict.reason)}.
                <ScheduleRefusal verdict={p.verdict} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
