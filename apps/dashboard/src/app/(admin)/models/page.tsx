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
const short = (model: string) => (model.includes('+head-') ? `head ${model.split('+head-')[1]}` : 'encoder alone');

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
    modelHeads { id modelId source createdAt bestEpoch heldOutFnmrBefore heldOutFnmrAfter }
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
    ...(data.activeModel.headId ? [{ headId: null, label: 'the encoder alone' }] : []),
    ...data.modelHeads.filter((h) => h.id !== data.activeModel.headId).map((h) => ({ headId: h.id, label: `head ${h.id}` })),
  ];
  return (
    <>
      <h1>Models</h1>
      <AutoRefresh active={!!running || !!training} />
      <section className="panel" aria-labelledby="active-title">
        <h2 id="active-title">Active model</h2>
        <p>
          Decisions use <strong data-testid="active-model">{short(data.activeModel.model)}</strong>{' '}
          <code style={{ overflowWrap: 'anywhere' }}>{data.activeModel.model}</code>.
        </p>
        {running && (
          <div data-testid="model-change">
            <p>
              Re-encoding every sample for <strong>{short(running.toModel)}</strong>: {running.done} of {running.total} done
              {running.failed > 0 ? `, ${running.failed} without a face in the new model` : ''}. Decisions keep the active model until every
              sample is done, then switch at once.
              {!running.held && ' No instance holds the job now; one will take it up within seconds.'}
            </p>
            <progress value={running.done} max={Math.max(1, running.total)} aria-label="Re-encoding progress" />
            <CancelForm id={running.id} />
          </div>
        )}
      </section>

      <section className="panel" aria-labelledby="heads-title">
        <h2 id="heads-title">Heads</h2>
        <p className="muted">
          A head is a learned 128 → 128 map on top of the frozen encoder. Compare it on this deployment&apos;s own audit history before
          activating it: none of the heads measured so far helped on clean photos (see the README).
        </p>
        {data.modelHeads.length === 0 ? (
          <p>
            No head yet: train one below, or add a file written by <code>facegate train</code>.
          </p>
        ) : (
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Heads">
            <table>
              <thead>
                <tr>
                  <th scope="col">Head</th>
                  <th scope="col">From</th>
                  <th scope="col">Added</th>
                  <th scope="col">Held-out FNMR (encoder → head)</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {data.modelHeads.map((h) => (
                  <tr key={h.id}>
                    <td>
                      <code>{h.id}</code>
                      {h.id === data.activeModel.headId ? ' (active)' : ''}
                      {h.bestEpoch === 0 ? ' · identity (no epoch beat the encoder)' : ''}
                    </td>
                    <td>{h.source === 'training' ? 'training run' : 'upload'}</td>
                    <td>
                      <LocalTime iso={h.createdAt} />
                    </td>
                    <td>
                      {pct(h.heldOutFnmrBefore)} → {pct(h.heldOutFnmrAfter)}
                    </td>
                    <td>
                      {h.id !== data.activeModel.headId && (
                        <>
                          <Link href={`/models?compare=${h.id}`}>Compare</Link>{' '}
                          {!running && <ActivateForm headId={h.id} label={`Activate head ${h.id}`} />}
                        </>
                      )}
                    </td>
                  </tr>
                ))}
                {data.activeModel.headId && (
                  <tr>
                    <td>encoder alone</td>
                    <td>–</td>
                    <td>–</td>
                    <td>–</td>
                    <td>
                      <Link href="/models?compare=encoder">Compare</Link>{' '}
                      {!running && <ActivateForm headId={null} label="Activate the encoder alone" />}
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
            Comparison: {short(data.activeModel.model)} → {compare.headId ? `head ${compare.headId}` : 'encoder alone'}
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
        <h2 id="training-title">Training</h2>
        <p className="muted">
          Learns a head with the triplet loss (semi-hard negatives, margin 0.2) on some people and stops early on others held out. It needs
          at least 8 people with two or more photos; a head from a small deployment is unlikely to help.
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
                {run.errorCode === 'TOO_FEW_IDENTITIES' ? 'Too few people to train on: ' : 'Training failed: '}
                {run.error}
              </p>
            )}
            <LossCurve curve={run.curve} />
            {run.headId && (
              <p>
                Saved as head <code>{run.headId}</code>: <Link href={`/models?compare=${run.headId}`}>compare it</Link> before activating
                it.
              </p>
            )}
          </div>
        )}
      </section>

      {data.modelChanges.length > 0 && (
        <section className="panel" aria-labelledby="changes-title">
          <h2 id="changes-title">Model changes</h2>
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Decisions that would change">
            <table>
              <thead>
                <tr>
                  <th scope="col">Asked</th>
                  <th scope="col">From</th>
                  <th scope="col">To</th>
                  <th scope="col">Status</th>
                  <th scope="col">Samples</th>
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
                      {c.failed > 0 ? ` (${c.failed} without a face)` : ''}
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
  return (
    <>
      <p>
        The last {c.attempts} decided attempts with a face image kept: {c.replayed} replayed with both models
        {c.unreadable > 0 ? ` (${c.unreadable} could not be: no face found again, or the claimed person was erased)` : ''}. Face decisions
        only, with today&apos;s settings; the access policy, liveness and PINs are left aside.
      </p>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Model changes">
        <table data-testid="comparison">
          <caption className="sr-only">Decisions that would change</caption>
          <tbody>
            <tr>
              <th scope="row">Unchanged</th>
              <td>{c.unchanged}</td>
            </tr>
            <tr>
              <th scope="row">Accepted → refused or step-up</th>
              <td data-testid="accepted-to-refused">{c.acceptedToRefused}</td>
            </tr>
            <tr>
              <th scope="row">Refused or step-up → accepted</th>
              <td data-testid="refused-to-accepted">{c.refusedToAccepted}</td>
            </tr>
            <tr>
              <th scope="row">Accepted as another person</th>
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
              {r.accepted} accepted · {r.stepUp} step-up · {r.refused} refused
              {r.samplesMissing > 0 ? ` · ${r.samplesMissing} samples without an encoding in this model` : ''}
            </p>
          </div>
        ))}
      </div>
    </>
  );
}
