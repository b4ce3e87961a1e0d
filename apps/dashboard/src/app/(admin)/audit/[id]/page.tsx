import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { graphql } from '@/generated';
import { safeRead } from '@/lib/api';
import { currentUser, seesFaces } from '@/lib/session';
import { FacesHidden } from '@/components/faces-hidden';
import { decisionWord, formatDistance, reasonText } from '@/lib/format';
import { ErrorPanel } from '@/components/error-panel';
import { LocalTime } from '@/components/local-time';
import { MarkLiveForm } from '@/components/mark-live-form';
import { PhotoWithFaces } from '@/components/photo-faces';

export const metadata: Metadata = { title: 'Audit event' };

// Every field of the event this reader may see: the API answers null for what their role may not read
// (a viewer without faces:read gets no face), so the page shows what came back and says so. The photo:
// what the detector saw in the first frame, boxes only (the photo is not kept).
const AuditEventDocument = graphql(`
  query AuditEvent($id: ID!) {
    recognitionEvent(id: $id) {
      id
      createdAt
      kind
      decision
      reason
      distance
      threshold
      model
      frames
      framesUsed
      livenessScore
      markedLive
      claimedPersonId
      claimedLabel
      decidedPersonId
      decidedLabel
      rivalPersonId
      rivalLabel
      rivalDistance
      stepUpReason
      stepUpPersonId
      pinTries
      completedAt
      apiKeyId
      adminId
      thumbnail
      photo {
        ...PhotoFacesFields
      }
      door {
        id
        name
        location
      }
    }
  }
`);

const ApiKeyNamesDocument = graphql(`
  query ApiKeyNames {
    apiKeys {
      id
      name
    }
  }
`);

const DoorLivePointsDocument = graphql(`
  query DoorLivePoints($d: ID!) {
    doorLivenessCalibration(doorId: $d) {
      points {
        attack
        live
      }
    }
  }
`);

/** A person named by the event: a link while they exist, the label (or pseudonym) after. */
function PersonLink({ id, label }: { id: string | null; label: string | null }) {
  if (!label && !id) return <span className="muted">—</span>;
  if (!id) return <span title="This person was erased: the log keeps a pseudonym">{label}</span>;
  return <Link href={`/people/${id}`}>{label ?? 'this person'}</Link>;
}

export default async function AuditEventPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const me = await currentUser();
  // Key names are the administrators' (apiKeys is theirs alone); a viewer sees the key's id.
  const [result, keys] = await Promise.all([
    safeRead(AuditEventDocument, { id }),
    me?.role === 'ADMIN' ? safeRead(ApiKeyNamesDocument) : null,
  ]);
  const keyName = (keyId: string) => keys?.data?.apiKeys.find((k) => k.id === keyId)?.name;
  if (!result.data) return <ErrorPanel message={result.error} />;
  const e = result.data.recognitionEvent;
  if (!e) notFound();
  const margin = e.distance !== null && e.threshold !== null ? e.threshold - e.distance : null;
  // A refused attempt the check scored, at a door: an administrator may say it was a live person (the door's calibration reads it).
  const markable = me?.role === 'ADMIN' && e.livenessScore !== null && e.door !== null && e.decision !== 'ACCEPTED';
  const points = markable ? (await safeRead(DoorLivePointsDocument, { d: e.door!.id })).data?.doorLivenessCalibration?.points : null;
  return (
    <>
      <p>
        <Link href="/audit">← Audit log</Link>
      </p>
      <h1>
        {e.kind === 'VERIFY' ? 'Verification' : 'Identification'} <span className={`badge ${e.decision}`}>{decisionWord(e.decision)}</span>
      </h1>
      <p className="muted">
        <LocalTime iso={e.createdAt} /> · {e.door ? `door ${e.door.name}` : 'no door'} · attempt <code>{e.id}</code>
      </p>
      <div className="grid-2">
        <section className="panel" aria-labelledby="face-title">
          <h2 id="face-title">Face seen</h2>
          {!seesFaces(me) ? (
            <FacesHidden large />
          ) : e.thumbnail ? (
            <img className="thumb large" src={e.thumbnail} alt="The face seen at the door (aligned)" data-testid="event-face" />
          ) : (
            <p className="muted">No face image: none was found, it was erased with its person, or it is past the retention period.</p>
          )}
          {e.photo && e.photo.faceCount > 0 && (
            <div style={{ marginTop: '0.75rem' }} data-testid="event-photo-faces">
              <h3>Faces in the frame</h3>
              <PhotoWithFaces src={null} photo={e.photo} alt="" usedLabel="compared" maxWidth={280} />
            </div>
          )}
        </section>
        <section className="panel" aria-labelledby="decision-title">
          <h2 id="decision-title">Decision</h2>
          <dl className="facts" data-testid="event-facts">
            <dt>Decision</dt>
            <dd>
              <span className={`badge ${e.decision}`}>{decisionWord(e.decision)}</span> {reasonText(e.reason)}{' '}
              <span className="muted">({e.reason})</span>
            </dd>
            <dt>Distance</dt>
            <dd>
              {formatDistance(e.distance)} against a threshold of {formatDistance(e.threshold)}
              {margin !== null && (
                <span className="muted"> ({margin >= 0 ? `${margin.toFixed(3)} under` : `${(-margin).toFixed(3)} over`})</span>
              )}
            </dd>
            <dt>Claimed</dt>
            <dd>
              <PersonLink id={e.claimedPersonId} label={e.claimedLabel} />
            </dd>
            <dt>Decided</dt>
            <dd>
              <PersonLink id={e.decidedPersonId} label={e.decidedLabel} />
            </dd>
            <dt>Rival</dt>
            <dd>
              {e.rivalLabel || e.rivalPersonId ? (
                <>
                  <PersonLink id={e.rivalPersonId} label={e.rivalLabel} /> at {formatDistance(e.rivalDistance)}
                </>
              ) : (
                <span className="muted">none (nobody else that close)</span>
              )}
            </dd>
            <dt>Liveness</dt>
            <dd data-testid="event-liveness">
              {e.livenessScore === null ? <span className="muted">not checked</span> : `${e.livenessScore.toFixed(3)} (1 = live)`}
              {points && e.livenessScore !== null && (
                <span className="muted">
                  {' '}
                  against this door&apos;s points now: attack under {points.attack.toFixed(3)}, live from {points.live.toFixed(3)}
                </span>
              )}
              {e.markedLive && !markable && <span className="muted"> · marked live by an administrator</span>}
              {markable && <MarkLiveForm attemptId={e.id} marked={e.markedLive === true} />}
            </dd>
            <dt>Frames</dt>
            <dd>
              {e.framesUsed} of {e.frames} passed the quality gates
            </dd>
            <dt>Second factor</dt>
            <dd>
              {e.stepUpReason ? (
                <>
                  asked ({e.stepUpReason.replace('_', ' ')}) of{' '}
                  <PersonLink id={e.stepUpPersonId} label={e.stepUpPersonId ? 'this person' : null} />, {e.pinTries} PIN{' '}
                  {e.pinTries === 1 ? 'try' : 'tries'}
                  {e.completedAt ? (
                    <>
                      , completed <LocalTime iso={e.completedAt} />
                    </>
                  ) : (
                    ', not completed'
                  )}
                </>
              ) : (
                <span className="muted">not asked</span>
              )}
            </dd>
            <dt>Caller</dt>
            <dd>
              {e.apiKeyId ? (
                keyName(e.apiKeyId) ? (
                  `API key “${keyName(e.apiKeyId)}”`
                ) : (
                  `API key ${e.apiKeyId.slice(0, 10)}…`
                )
              ) : e.adminId ? (
                'the dashboard (an administrator)'
              ) : (
                <span className="muted">—</span>
              )}
            </dd>
            <dt>Door</dt>
            <dd>{e.door ? `${e.door.name}${e.door.location ? `, ${e.door.location}` : ''}` : <span className="muted">—</span>}</dd>
            <dt>Model</dt>
            <dd>
              <code>{e.model || '—'}</code>
            </dd>
          </dl>
        </section>
      </div>
    </>
  );
}
