import Link from 'next/link';
import { formatDistance, reasonText } from '@/lib/format';
import type { RecognitionView } from '@/lib/recognition';
import { Gauge } from './gauge';

const WORDS = { ACCEPTED: 'Accepted', REFUSED: 'Refused', STEP_UP: 'Second factor needed', ERROR: 'Error' } as const;

export function RecognitionResult({ result, mode }: { result: RecognitionView; mode: 'verify' | 'identify' }) {
  const enrolled = result.person;
  return (
    <section className="panel" aria-labelledby="result-title" aria-live="polite" data-testid="result">
      <h2 id="result-title">Result</h2>
      <p className={`decision ${result.decision}`} data-testid="decision">
        {WORDS[result.decision]}
        {mode === 'identify' && result.decision === 'ACCEPTED' && enrolled ? `: ${enrolled.name}` : ''}
      </p>
      <p>
        {mode === 'verify' && enrolled ? `Claimed: ${enrolled.name}. ` : ''}
        Reason: {reasonText(result.reason)}. Distance {formatDistance(result.distance)} against threshold {result.threshold.toFixed(3)}
        {result.distance !== null ? (result.distance < result.threshold ? ' (under: same person)' : ' (over: not the same person)') : ''}.
      </p>
      <Gauge distance={result.distance} threshold={result.threshold} />
      <div className="faces" style={{ marginTop: '1rem' }}>
        <figure>
          {result.event.thumbnail ? <img className="thumb large" src={result.event.thumbnail} alt="Aligned face from the photo given" /> : <span className="thumb large" />}
          <figcaption>Face seen (aligned)</figcaption>
        </figure>
        {enrolled && (
          <figure>
            {enrolled.thumbnail ? <img className="thumb large" src={enrolled.thumbnail} alt={`Enrolled face of ${enrolled.name}`} /> : <span className="thumb large" />}
            <figcaption>
              Enrolled: <Link href={`/people/${enrolled.id}`}>{enrolled.name}</Link>
            </figcaption>
          </figure>
        )}
      </div>
      {mode === 'identify' && (
        <>
          <h3 style={{ marginTop: '1rem' }}>Nearest people</h3>
          {result.candidates.length === 0 ? (
            <p className="muted">Nobody is enrolled.</p>
          ) : (
            <div className="table-wrap">
              <table data-testid="candidates">
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">Face</th>
                    <th scope="col">Person</th>
                    <th scope="col">Distance</th>
                    <th scope="col">Under threshold?</th>
                  </tr>
                </thead>
                <tbody>
                  {result.candidates.map((c, i) => (
                    <tr key={c.person?.id ?? i}>
                      <td>{i + 1}</td>
                      <td>{c.person?.thumbnail ? <img className="thumb" src={c.person.thumbnail} alt="" /> : null}</td>
                      <td>{c.person ? <Link href={`/people/${c.person.id}`}>{c.person.name}</Link> : 'deleted person'}</td>
                      <td>{formatDistance(c.distance)}</td>
                      <td>{c.distance < result.threshold ? 'yes' : 'no'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
      <p className="muted" style={{ marginTop: '0.75rem' }}>
        Recorded in the <Link href="/audit">audit log</Link>.
      </p>
    </section>
  );
}
