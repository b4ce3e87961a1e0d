import Link from 'next/link';
import { formatDistance, reasonText } from '@/lib/format';
import type { RecognitionView } from '@/lib/recognition';
import { Gauge } from './gauge';
import { PhotoWithFaces } from './photo-faces';

const WORDS = { ACCEPTED: 'Accepted', REFUSED: 'Refused', STEP_UP: 'Second factor needed', ERROR: 'Error' } as const;

/**
 * What the engine knows better than a bare decision, said plainly: several faces in the photo (only the
 * largest was compared), two people too close to call, a borderline distance that asks for a PIN.
 */
function Warnings({ result, mode }: { result: RecognitionView; mode: 'verify' | 'identify' }) {
  const warnings: { key: string; text: React.ReactNode }[] = [];
  const photo = result.photos[0];
  if (photo && photo.faceCount > 1) {
    warnings.push({
      key: 'faces',
      text: `${photo.faceCount} faces are in this photo: only the largest (face 1, solid box) was compared; the others are outlined. If the person at the door is another face, crop the photo to them.`,
    });
  }
  const ambiguous = result.reason === 'ambiguous' || result.stepUpReason === 'ambiguous';
  if (ambiguous) {
    const [first, second] = result.candidates;
    warnings.push({
      key: 'ambiguous',
      text:
        mode === 'identify' && first && second ? (
          <>
            Two people are too close to call: <strong>{first.person?.name ?? 'deleted person'}</strong> at {formatDistance(first.distance)} and <strong>{second.person?.name ?? 'deleted person'}</strong> at {formatDistance(second.distance)}
            {second.distance < result.threshold ? ', both under the threshold' : ''}. Nobody is named; {result.decision === 'STEP_UP' ? 'a door asks for the PIN, which says which of them it is.' : 'the door stays shut.'}
          </>
        ) : (
          'Another enrolled person is as close to this face as the person claimed: the face alone cannot tell them apart.'
        ),
    });
  }
  if (result.reason === 'borderline' || result.stepUpReason === 'borderline') {
    warnings.push({
      key: 'borderline',
      text: `Borderline: the distance ${formatDistance(result.distance)} is over the threshold ${result.threshold.toFixed(3)} but under the step-up limit ${result.stepUpThreshold.toFixed(3)}. The face alone is not enough: a door asks for a second factor (PIN).`,
    });
  }
  if (warnings.length === 0) return null;
  return (
    <div data-testid="result-warnings">
      {warnings.map((w) => (
        <p key={w.key} className="alert warn" data-warning={w.key}>
          {w.text}
        </p>
      ))}
    </div>
  );
}

export function RecognitionResult({ result, mode, photoUrl }: { result: RecognitionView; mode: 'verify' | 'identify'; photoUrl?: string | null }) {
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
      <Warnings result={result} mode={mode} />
      <Gauge distance={result.distance} threshold={result.threshold} />
      {result.photos[0] && (
        <div style={{ marginTop: '1rem' }}>
          <h3>Photo given</h3>
          <PhotoWithFaces src={photoUrl ?? null} photo={result.photos[0]} alt="The photo given" usedLabel="compared" />
        </div>
      )}
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
