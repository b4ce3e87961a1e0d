import Link from 'next/link';
import { formatDistance, reasonText } from '@/lib/format';
import { POLICY_REASONS, type RecognitionView } from '@/lib/recognition';
import { Gauge } from './gauge';
import { MarkLiveForm } from './mark-live-form';
import { PhotoWithFaces } from './photo-faces';

const WORDS = { ACCEPTED: 'Accepted', REFUSED: 'Refused', STEP_UP: 'Second factor needed', ERROR: 'Error' } as const;

/** The other person of an ambiguous answer, as the audit names them (a link while they exist). */
function Rival({ result }: { result: RecognitionView }) {
  const { rivalPersonId, rivalLabel } = result.event;
  if (!rivalLabel && !rivalPersonId) return <>another enrolled person</>;
  return <strong>{rivalPersonId ? <Link href={`/people/${rivalPersonId}`}>{rivalLabel ?? 'another person'}</Link> : rivalLabel}</strong>;
}

/**
 * What the engine knows better than a bare decision, said plainly: several faces in the photo (only the
 * largest was compared), two people too close to call.
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
            Two people are too close to call: <strong>{first.person?.name ?? 'deleted person'}</strong> at {formatDistance(first.distance)}{' '}
            and <strong>{second.person?.name ?? 'deleted person'}</strong> at {formatDistance(second.distance)}
            {second.distance < result.threshold ? ', both under the threshold' : ''}. Nobody is named;{' '}
            {result.decision === 'STEP_UP' ? 'a door asks for the PIN, which says which of them it is.' : 'the door stays shut.'}
          </>
        ) : (
          <>
            <Rival result={result} /> is as close to this face
            {result.event.rivalDistance !== null ? ` (distance ${formatDistance(result.event.rivalDistance)})` : ''} as the person claimed
            {result.distance !== null ? ` (${formatDistance(result.distance)})` : ''}: the face alone cannot tell them apart.
          </>
        ),
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

/** Which rule asked for the second factor, in words. */
function StepUpRule({ result }: { result: RecognitionView }) {
  const points = result.livenessPoints;
  switch (result.stepUpReason) {
    case 'borderline':
      return (
        <>
          <strong>Rule: borderline distance.</strong> The distance {formatDistance(result.distance)} is over the threshold{' '}
          {result.threshold.toFixed(3)} but under the step-up limit {result.stepUpThreshold.toFixed(3)}: close, but the face alone is not
          enough.
        </>
      );
    case 'ambiguous':
      return (
        <>
          <strong>Rule: two people too close to call.</strong> The face matches, but <Rival result={result} /> is as close: the PIN says
          which of them it is.
        </>
      );
    case 'liveness_uncertain':
      return (
        <>
          <strong>Rule: liveness.</strong> The face matches, but its liveness score {result.livenessScore?.toFixed(3) ?? '—'} is under this
          door&apos;s live point{points ? ` ${points.live.toFixed(3)}` : ''} (and over the attack point
          {points ? ` ${points.attack.toFixed(3)}` : ''}): it may be the person, or a good print or screen of them.
        </>
      );
    case 'pin_required':
      return (
        <>
          <strong>Rule: this door always asks for the PIN</strong> (its “always a PIN” setting, under Access). The face matches; the PIN is
          the second of two factors.
        </>
      );
    default:
      return <>A second factor is needed.</>;
  }
}

/** STEP_UP: which rule asked, whose PIN, and what happens without it; nobody with a PIN is told so instead of asked. */
function StepUp({ result, mode }: { result: RecognitionView; mode: 'verify' | 'identify' }) {
  const who = result.person?.name ?? (mode === 'identify' ? result.candidates[0]?.person?.name : undefined) ?? 'the person';
  const noPin = result.pinTriesLeft === null;
  return (
    <div className={`alert ${noPin ? 'error' : 'warn'}`} data-testid="step-up" data-no-pin={noPin ? 'true' : 'false'}>
      <p style={{ margin: 0 }}>
        <StepUpRule result={result} />
      </p>
      <p style={{ margin: '0.4rem 0 0' }}>
        {noPin ? (
          <>
            {result.stepUpReason === 'ambiguous' ? 'Neither of them has a PIN' : `${who} has no PIN`}, so no PIN is asked:{' '}
            <strong>the door stays shut</strong>. To let them through this rule, set a PIN under{' '}
            <Link href="/access#pins-title">Access → PINs</Link>.
          </>
        ) : (
          <>
            A door now asks for {result.stepUpReason === 'ambiguous' ? 'the PIN of either person' : `${who}'s PIN`} ({result.pinTriesLeft}{' '}
            {result.pinTriesLeft === 1 ? 'try' : 'tries'}, within 60 s). Without the PIN the door stays shut, and the attempt is refused
            once the 60 s are over.
          </>
        )}
      </p>
    </div>
  );
}

/** Why a face was judged a photo or a screen (or not clearly live): the score against the door's points, and what to try. */
function Liveness({ result }: { result: RecognitionView }) {
  const score = result.livenessScore;
  const points = result.livenessPoints;
  if (score === null) return null;
  const attack = result.reason === 'presentation_attack';
  const uncertain = result.stepUpReason === 'liveness_uncertain' || (points !== null && score < points.live && !attack);
  if (!attack && !uncertain) return null;
  return (
    <section className="alert warn" aria-labelledby="liveness-title" data-testid="liveness" data-verdict={attack ? 'attack' : 'uncertain'}>
      <h3 id="liveness-title" style={{ marginTop: 0 }}>
        {attack ? 'Refused as a printed photo or a screen' : 'Not clearly a live face'}
      </h3>
      <p data-testid="liveness-score">
        Liveness score <strong>{score.toFixed(3)}</strong> (1 = live)
        {points ? (
          <>
            {attack
              ? ` is under this door's attack point ${points.attack.toFixed(3)}`
              : ` is between this door's attack point ${points.attack.toFixed(3)} and its live point ${points.live.toFixed(3)}`}
            ; a face is taken as live from {points.live.toFixed(3)}.
          </>
        ) : (
          '.'
        )}
      </p>
      {points && (
        <meter
          min={0}
          max={1}
          low={points.attack}
          high={points.live}
          optimum={1}
          value={score}
          aria-label={`Liveness ${score.toFixed(3)}; attack point ${points.attack.toFixed(3)}, live point ${points.live.toFixed(3)}`}
          style={{ width: '100%', maxWidth: 420 }}
        />
      )}
      <p style={{ marginBottom: '0.2rem' }}>If this was a live person, try again with:</p>
      <ul data-testid="liveness-advice" style={{ marginTop: 0 }}>
        <li>light on the face from the front, and no bright window or lamp behind them;</li>
        <li>no glare: tilt glasses or a glossy badge away from the light;</li>
        <li>the right distance: about an arm&apos;s length (40-80 cm), the face filling about a third of the frame, not cut off;</li>
        <li>the person still and looking at the camera (a blurred or turned face scores lower).</li>
      </ul>
      <p className="hint">
        A door&apos;s camera shifts everyone&apos;s score: if its live people are often refused or asked for the PIN, set the door&apos;s
        own live point from its calibration under <Link href="/access">Access</Link>.
      </p>
      {result.decision !== 'ACCEPTED' &&
        (result.event.doorId ? (
          <MarkLiveForm attemptId={result.event.id} marked={result.event.markedLive === true} />
        ) : (
          <p className="hint">
            This attempt was made without a door: choose the door in the form to have a refused live person feed that door&apos;s
            calibration.
          </p>
        ))}
    </section>
  );
}

export function RecognitionResult({
  result,
  mode,
  photoUrl,
}: {
  result: RecognitionView;
  mode: 'verify' | 'identify';
  photoUrl?: string | null;
}) {
  const enrolled = result.person;
  const attack = result.reason === 'presentation_attack';
  // The face matched but the access rules kept the door shut: the refusal is the rules', not the face's.
  const byPolicy = result.decision === 'REFUSED' && POLICY_REASONS.has(result.reason);
  const noPin = result.decision === 'STEP_UP' && result.pinTriesLeft === null;
  const compared = result.distance !== null;
  return (
    <section className="panel" aria-labelledby="result-title" aria-live="polite" data-testid="result">
      <h2 id="result-title">Result</h2>
      <p className={`decision ${noPin ? 'REFUSED' : result.decision}`} data-testid="decision">
        {noPin
          ? 'Door stays shut: a PIN would be needed, and there is none'
          : byPolicy
            ? 'Refused by the access rules'
            : WORDS[result.decision]}
        {mode === 'identify' && result.decision === 'ACCEPTED' && enrolled ? `: ${enrolled.name}` : ''}
      </p>
      <p data-testid="result-summary">
        {mode === 'verify' && enrolled ? `Claimed: ${enrolled.name}. ` : ''}
        {byPolicy ? (
          <>
            The face{' '}
            {compared && result.distance! < result.threshold
              ? `matches (distance ${formatDistance(result.distance)}, under the threshold ${result.threshold.toFixed(3)})`
              : 'was recognised'}
            , but <strong>the access rules keep the door shut: {reasonText(result.reason)}</strong>.
          </>
        ) : attack ? (
          <>Reason: {reasonText(result.reason)}. Not compared with anyone: a presentation attack is refused before any face comparison.</>
        ) : !compared ? (
          <>Reason: {reasonText(result.reason)}. No face comparison was made.</>
        ) : result.decision === 'STEP_UP' && result.distance! < result.threshold ? (
          <>
            The face matches (distance {formatDistance(result.distance)}, under the threshold {result.threshold.toFixed(3)}); a second
            factor is asked for another reason, below.
          </>
        ) : (
          <>
            Reason: {reasonText(result.reason)}. Distance {formatDistance(result.distance)} against threshold {result.threshold.toFixed(3)}
            {result.distance! < result.threshold ? ' (under: same person)' : ' (over: not the same person)'}.
          </>
        )}
      </p>
      {result.decision === 'STEP_UP' && <StepUp result={result} mode={mode} />}
      <Warnings result={result} mode={mode} />
      <Liveness result={result} />
      {compared &&
        (byPolicy ? (
          <details data-testid="face-comparison">
            <summary>Face comparison (the face matched; the access rules decided)</summary>
            <Gauge distance={result.distance} threshold={result.threshold} />
          </details>
        ) : (
          <Gauge distance={result.distance} threshold={result.threshold} />
        ))}
      {result.photos[0] && (
        <div style={{ marginTop: '1rem' }}>
          <h3>Photo given</h3>
          <PhotoWithFaces
            src={photoUrl ?? null}
            photo={result.photos[0]}
            alt="The photo given"
            usedLabel={attack ? 'judged' : 'compared'}
          />
        </div>
      )}
      <div className="faces" style={{ marginTop: '1rem' }}>
        <figure>
          {result.event.thumbnail ? (
            <img className="thumb large" src={result.event.thumbnail} alt="Aligned face from the photo given" />
          ) : (
            <span className="thumb large" />
          )}
          <figcaption>Face seen (aligned)</figcaption>
        </figure>
        {enrolled && (
          <figure>
            {enrolled.thumbnail ? (
              <img className="thumb large" src={enrolled.thumbnail} alt={`Enrolled face of ${enrolled.name}`} />
            ) : (
              <span className="thumb large" />
            )}
            <figcaption>
              Enrolled: <Link href={`/people/${enrolled.id}`}>{enrolled.name}</Link>
            </figcaption>
          </figure>
        )}
      </div>
      {mode === 'identify' && (
        <>
          <h3 style={{ marginTop: '1rem' }}>Nearest people</h3>
          {attack ? (
            <p className="muted" data-testid="no-candidates">
              Not compared with anyone: the face was refused as a presentation attack first.
            </p>
          ) : result.candidates.length === 0 ? (
            <p className="muted" data-testid="no-candidates">
              No active person with an enrolled face in the current model to compare with.
            </p>
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
        Recorded in the <Link href={`/audit/${result.event.id}`}>audit log</Link>.
      </p>
    </section>
  );
}
