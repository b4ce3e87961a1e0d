import type { Metadata } from 'next';
import { safeRead } from '@/lib/api';
import { requireUser } from '@/lib/session';
import { ErrorPanel } from '@/components/error-panel';
import { AccessCheckForm } from './access-check-form';
import type { AccessData, LivenessCalibration } from './access-types';
import { DoorPolicyForm } from './door-policy-form';
import { GroupForms } from './group-forms';
import { PassForms } from './pass-forms';
import { PinForm } from './pin-form';
import { ScheduleForms } from './schedule-forms';

export const metadata: Metadata = { title: 'Access' };

export default async function AccessPage() {
  const me = await requireUser();
  const isAdmin = me.role === 'ADMIN';
  const { data, error } = await safeRead<AccessData>(`{
    doors { id name timeZone access settings { falseAcceptRate thresholdOverride stepUp liveness livenessLivePoint minFrames requirePin threshold } }
    schedules { id name windows { days from to } exceptions { date windows { from to } } }
    accessGroups { id name members { id name } doors { door { id name } schedule { id name } } }
    people(first: 200) { edges { node { id name active hasPin passes { id validFrom validUntil revokedAt doors { id name } } } } }
  }`);
  if (!data) return <ErrorPanel message={error} />;
  // Administrators see where each door's liveness scores lie, to set its own live point from them.
  if (isAdmin && data.doors.length > 0) {
    const query = `{ ${data.doors.map((d, i) => `d${i}: doorLivenessCalibration(doorId: ${JSON.stringify(d.id)}) { points { attack live } calibrated attempts markedLive quantiles { q score } suggestedLivePoint stepUpNow }`).join(' ')} }`;
    const calibrations = (await safeRead<Record<string, LivenessCalibration | null>>(query)).data;
    data.doors.forEach((door, i) => (door.calibration = calibrations?.[`d${i}`] ?? null));
  }
  return (
    <>
      <h1>Access</h1>
      <p className="muted">
        Who may open which door when. The face decision comes first; then the door&apos;s rules: a door open to <em>everyone</em> lets in
        every active person, a door open to <em>groups</em> only the groups allowed there, within their schedules. A person with a visitor
        pass goes only where and when a valid pass says. Refusals name the rule in the audit log.
      </p>
      {!isAdmin && <p className="alert warn">You are signed in as a viewer: you can look, not change.</p>}
      <section className="panel" aria-labelledby="door-rules-title">
        <h2 id="door-rules-title">Doors</h2>
        {data.doors.length === 0 ? (
          <p className="muted">No door yet: add one in Settings.</p>
        ) : (
          data.doors.map((door) => <DoorPolicyForm key={door.id} door={door} readOnly={!isAdmin} />)
        )}
      </section>
      <section className="panel" aria-labelledby="schedules-title">
        <h2 id="schedules-title">Schedules</h2>
        <ScheduleForms schedules={data.schedules} readOnly={!isAdmin} />
      </section>
      <section className="panel" aria-labelledby="groups-title">
        <h2 id="groups-title">Groups</h2>
        <GroupForms data={data} readOnly={!isAdmin} />
      </section>
      <section className="panel" aria-labelledby="passes-title">
        <h2 id="passes-title">Visitor passes</h2>
        <PassForms data={data} readOnly={!isAdmin} />
      </section>
      <section className="panel" aria-labelledby="check-title">
        <h2 id="check-title">Check who may pass</h2>
        <p className="muted">Would this person be let through this door at this time, if their face matches? Nothing is recorded.</p>
        <AccessCheckForm data={data} />
      </section>
      <section className="panel" aria-labelledby="pins-title">
        <h2 id="pins-title">PINs (second factor)</h2>
        <PinForm data={data} readOnly={!isAdmin} />
      </section>
    </>
  );
}
