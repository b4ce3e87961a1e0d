import type { Metadata } from 'next';
import Link from 'next/link';
import { safeRead } from '@/lib/api';
import { requireUser } from '@/lib/session';
import { ErrorPanel } from '@/components/error-panel';
import { LocalTime } from '@/components/local-time';
import { LossCurve, ReplayHistogram, type EpochPoint } from './model-charts';
import styles from './models.module.css';
import { ActivateForm, AutoRefresh, CancelForm, TrainingForm, UploadHeadForm } from './models-forms';

export const metadata: Metadata = { title: 'Models' };

type Head = {
  id: string;
  modelId: string;
  source: string;
  createdAt: string;
  bestEpoch: number | null;
  heldOutFnmrBefore: number | null;
  heldOutFnmrAfter: number | null;
  /** Did better than the standard model on the people kept aside; false: never did (activating it asks first). */
  beatBaseModel: boolean | null;
};
type Change = {
  id: string;
  createdAt: string;
  fromModel: string;
  toModel: string;
  headId: string | null;
  status: string;
  total: number;
  done: number;
  failed: number;
  held: boolean;
  finishedAt: string | null;
};
type Run = {
  id: string;
  createdAt: string;
  source: string;
  status: string;
  identities: number;
  photos: number;
  curve: EpochPoint[];
  errorCode: string | null;
  error: string | null;
  headId: string | null;
};
type Replay = {
  model: string;
  accepted: number;
  stepUp: number;
  refused: number;
  samplesMissing: number;
  histogram: number[];
  verifyThreshold: number | null;
};
type Comparison = {
  attempts: number;
  replayed: number;
  unreadable: number;
  unchanged: number;
  acceptedToRefused: number;
  refusedToAccepted: number;
  personChanged: number;
  current: Replay;
  candidate: Replay;
};

const pct = (v: number | null) => (v === null ? '–' : `${(100 * v).toFixed(1)} %`);
const short = (model: string) => (model.includes('+head-') ? `head ${model.split('+head-')[1]}` : 'the standard model');

/** A head's result on the people kept aside, in words. */
function verdict(h: Head): string {
  if (h.beatBaseModel === false) return 'Never did better than the standard model';
  if (h.beatBaseModel === true) return 'Did better than the standard model';
  return 'Not measured';
}

/** `compare`: a head id, or "encoder" for the encoder alone; anything else is ignored. */
function compareTarget(value: string | string[] | undefined): { headId: string | null } | null {
  if (value === 'encoder') return { headId: null };
  return typeof value === 'string' && /^[0-9a-f]{1,64}$/.test(value) ? { headId: value } : null;
}

export default async function ModelsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const me = await requireUser();
  if (me.role !== 'ADMIN') {
    return (
      <>
        <h1>Models</h1>
        <p className="alert warn">Models are shown to administrators only: which model decides is part of the doors&apos; configuration.</p>
      </>
    );
  }
  let compare = compareTarget((await searchParams).compare);
  const { data, error } = await safeRead<{
    activeModel: { model: string; headId: string | null };
    modelHeads: Head[];
    modelChanges: Change[];
    trainingRuns: Run[];
  }>(`{
    activeModel { model headId }
    modelHeads { id modelId source createdAt bestEpoch heldOutFnmrBefore heldOutFnmrAfter beatBaseModel }
    modelChanges(last: 5) { id createdAt fromModel toModel headId status total done failed held finishedAt }
    trainingRuns(last: 3) { id createdAt source status identities photos curve { epoch trainLoss heldOutLoss heldOutFnmr } errorCode error headId }
  }`);
  if (!data) return <ErrorPanel message={error} />;
  // The model compared became the active one (activated from this page): nothing left to compare.
  if (compare && compare.headId === data.activeModel.headId) compare = null;
  const comparison = compare
    ? await safeRead<{ compareModels: Comparison }>(
        `query ($h: ID) { compareModels(headId: $h, last: 200) { attempts replayed unreadable unchanged acceptedToRefused refusedToAccepted personChanged
          current { model accepted stepUp refused samplesMissing histogram verifyThreshold } candidate { model accepted stepUp refused samplesMissing histogram verifyThreshold } } }`,
        { h: compare.headId },
      )
    : null;
  const running = data.modelChanges.find((c) => c.status === 'RUNNING');
  const training = data.trainingRuns.find((r) => r.status === 'RUNNING');
  const run = data.trainingRuns[0];
  const candidates: { headId: string | null; label: string }[] = [
    ...(data.activeModel.headId ? [{ headId: null, label: 'the standard model' }] : []),
    ...data.modelHeads.filter((h) => h.id !== data.activeModel.headId).map((h) => ({ headId: h.id, label: `head ${h.id}` })),
  ];
  return (
    <>
      <h1>Models</h1>
      <p className="lead">
        The model is what turns a face into the numbers the doors compare. facegate comes with a standard model; a <em>head</em> is a small
        add-on learned from photos, meant to tell your own people apart better. Nothing here changes what a door does until you activate
        something, and you can always go back to the standard model.
      </p>
      <AutoRefresh active={!!running || !!training} />
      <section className="panel" aria-labelledby="active-title">
        <h2 id="active-title">What the doors use now</h2>
        <p>
          The doors decide with <strong data-testid="active-model">{short(data.activeModel.model)}</strong>{' '}
          <span className="muted">
            (technical name <code style={{ overflowWrap: 'anywhere' }}>{data.activeModel.model}</code>)
          </span>
          .
        </p>
        {running && (
          <div data-testid="model-change">
            <p>
              Switching to <strong>{short(running.toModel)}</strong>: every enrolled photo is read again with it, so that the doors can
              compare faces with the new model (re-encoding). {running.done} of {running.total} photos done
              {running.failed > 0 ? `; in ${running.failed} the new model finds no face, so those photos will not count with it` : ''}. The
              doors keep the current model until every photo is done, then switch at once.
              {!running.held && ' No server is working on it this moment; one will take it up within seconds.'}
            </p>
            <progress value={running.done} max={Math.max(1, running.total)} aria-label="Photos read again with the new model" />
            <CancelForm id={running.id} />
          </div>
        )}
      </section>

      <section className="panel" aria-labelledby="heads-title">
        <h2 id="heads-title">Heads (learned add-ons)</h2>
        <p>
          A head is learned from several photos of each of some people, then checked on other people kept aside. It is only worth using if
          it refused fewer of those people than the standard model did. Before activating one, compare it on your own doors&apos; past
          attempts: so far, heads have not helped on clear, well-lit photos.
        </p>
        {data.modelHeads.length === 0 ? (
          <p>
            No head yet: learn one below, or add a file written by <code>facegate train</code>.
          </p>
        ) : (
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Heads">
            <table>
              <thead>
                <tr>
                  <th scope="col">Head</th>
                  <th scope="col">Made by</th>
                  <th scope="col">Added</th>
                  <th scope="col">People kept aside refused as strangers (standard model → head)</th>
                  <th scope="col">Verdict</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {data.modelHeads.map((h) => (
                  <tr key={h.id}>
                    <td>
                      <code>{h.id}</code>
                      {h.id === data.activeModel.headId ? ' (in use)' : ''}
                    </td>
                    <td>{h.source === 'training' ? 'learnt here' : 'uploaded file'}</td>
                    <td>
                      <LocalTime iso={h.createdAt} />
                    </td>
                    <td>
                      {pct(h.heldOutFnmrBefore)} → {pct(h.heldOutFnmrAfter)}
                    </td>
                    <td data-testid="head-verdict">{verdict(h)}</td>
                    <td>
                      {h.id !== data.activeModel.headId && (
                        <>
                          <Link href={`/models?compare=${h.id}`}>Compare</Link>{' '}
                          {!running && (
                            <ActivateForm
                              headId={h.id}
                              label={`Activate head ${h.id}`}
                              // Asked first when the head never did better than the standard model.
                              warning={
                                h.beatBaseModel === false
                                  ? `Head ${h.id} never did better than the standard model: on the people kept aside to check it, it refused as many of them as strangers, or more. Activate it anyway? The administrators' log will record that it was activated against the comparison's advice.`
                                  : null
                              }
                            />
                          )}
                        </>
                      )}
                    </td>
                  </tr>
                ))}
                {data.activeModel.headId && (
                  <tr>
                    <td>the standard model</td>
                    <td>facegate</td>
                    <td>–</td>
                    <td>–</td>
                    <td>–</td>
                    <td>
                      <Link href="/models?compare=encoder">Compare</Link>{' '}
                      {!running && <ActivateForm headId={null} label="Activate the standard model" />}
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
        )}
        <UploadHeadForm />
      </section>

      {compare && (
        <section className="panel" aria-labelledby="compare-title">
          <h2 id="compare-title">
            What would change at the doors: {short(data.activeModel.model)} →{' '}
            {compare.headId ? `head ${compare.headId}` : 'the standard model'}
          </h2>
          {!comparison?.data ? (
            <ErrorPanel message={comparison?.error ?? 'No comparison.'} />
          ) : (
            <CompareView c={comparison.data.compareModels} />
          )}
        </section>
      )}
      {!compare && candidates.length > 0 && (
        <p>
          Compare with:{' '}
          {candidates.map((c, i) => (
            <span key={c.label}>
              {i > 0 && ' · '}
              <Link href={`/models?compare=${c.headId ?? 'encoder'}`}>{c.label}</Link>
            </span>
          ))}
        </p>
      )}

      <section className="panel" aria-labelledby="training-title">
        <h2 id="training-title">Learn a head</h2>
        <p>
          facegate looks at several photos of each person and learns to bring photos of the same person closer together and different people
          further apart. Some people are kept aside to check it honestly; it stops when it no longer gets better on them. It needs at least
          8 people with two or more photos each; with few people it rarely helps. The doors are not affected until you activate the head.
        </p>
        {!training && <TrainingForm />}
        {run && (
          <div data-testid="training-run">
            <h3>
              Run of <LocalTime iso={run.createdAt} /> · {run.source === 'ENROLLED' ? 'enrolled people' : 'folder'} ·{' '}
              <span data-testid="training-status">{run.status.toLowerCase()}</span>
            </h3>
            {run.identities > 0 && (
              <p>
                {run.identities} people, {run.photos} photos.
              </p>
            )}
            {run.errorCode && (
              <p role="alert" className="alert error">
                {run.errorCode === 'TOO_FEW_IDENTITIES' ? 'Too few people to learn from: ' : 'Learning failed: '}
                {run.error}
              </p>
            )}
            <LossCurve curve={run.curve} />
            {run.headId && (
              <p>
                Saved as head <code>{run.headId}</code>: <Link href={`/models?compare=${run.headId}`}>compare it</Link> with your
                doors&apos; past attempts before activating it.
              </p>
            )}
          </div>
        )}
      </section>

      {data.modelChanges.length > 0 && (
        <section className="panel" aria-labelledby="changes-title">
          <h2 id="changes-title">Switches of model</h2>
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Switches of model">
            <table>
              <thead>
                <tr>
                  <th scope="col">Asked</th>
                  <th scope="col">From</th>
                  <th scope="col">To</th>
                  <th scope="col">Status</th>
                  <th scope="col">Photos read again</th>
                </tr>
              </thead>
              <tbody>
                {data.modelChanges.map((c) => (
                  <tr key={c.id}>
                    <td>
                      <LocalTime iso={c.createdAt} />
                    </td>
                    <td>{short(c.fromModel)}</td>
                    <td>{short(c.toModel)}</td>
                    <td>{c.status.toLowerCase()}</td>
                    <td>
                      {c.done} of {c.total}
                      {c.failed > 0 ? ` (${c.failed} without a face in it)` : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </>
  );
}

function CompareView({ c }: { c: Comparison }) {
  const peak = Math.max(1, ...c.current.histogram, ...c.candidate.histogram);
  // The comparison's advice, in one sentence: it cannot tell a stranger let in from a colleague let in at last.
  const advice =
    c.acceptedToRefused === 0 && c.refusedToAccepted === 0 && c.personChanged === 0
      ? 'Nothing would change at the doors on these attempts: there is no gain to expect from switching.'
      : c.personChanged > 0
        ? 'Some people would be let in as someone else: do not switch without looking at those attempts.'
        : c.acceptedToRefused > c.refusedToAccepted
          ? 'More people let in today would be refused: switching would make the doors stricter with your own people.'
          : 'Some attempts refused today would be let in: check in the audit log whether they were your people or strangers before switching.';
  return (
    <>
      <p>
        The doors&apos; last {c.attempts} decided attempts whose face image is kept were replayed with both models: {c.replayed} could be
        {c.unreadable > 0 ? ` (${c.unreadable} could not: no face found again, or the person claimed was erased)` : ''}. Only the face
        decision is replayed, with today&apos;s settings; access rules, the liveness check and PINs are left aside.
      </p>
      <p className="alert note" data-testid="comparison-advice">
        {advice}
      </p>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="What would change at the doors">
        <table data-testid="comparison">
          <caption className="sr-only">What would change at the doors</caption>
          <tbody>
            <tr>
              <th scope="row">Same decision</th>
              <td>{c.unchanged}</td>
            </tr>
            <tr>
              <th scope="row">Let in today, would be refused or asked for a PIN</th>
              <td data-testid="accepted-to-refused">{c.acceptedToRefused}</td>
            </tr>
            <tr>
              <th scope="row">Refused or asked for a PIN today, would be let in</th>
              <td data-testid="refused-to-accepted">{c.refusedToAccepted}</td>
            </tr>
            <tr>
              <th scope="row">Let in as someone else</th>
              <td data-testid="person-changed">{c.personChanged}</td>
            </tr>
          </tbody>
        </table>
      </div>
      <div className={styles.sideBySide}>
        {[c.current, c.candidate].map((r, i) => (
          <div key={i}>
            <ReplayHistogram
              title={`${i === 0 ? 'Now' : 'Candidate'}: ${short(r.model)}`}
              histogram={r.histogram}
              threshold={r.verifyThreshold}
              peak={peak}
            />
            <p>
              {r.accepted} let in · {r.stepUp} asked for a PIN · {r.refused} refused
              {r.samplesMissing > 0 ? ` · ${r.samplesMissing} enrolled photos not yet read with this model` : ''}
            </p>
          </div>
        ))}
      </div>
    </>
  );
}
