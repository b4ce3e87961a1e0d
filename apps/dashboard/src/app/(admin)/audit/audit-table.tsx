'use client';

import Link from 'next/link';
import { useEffect, useState } from 'react';
import { decisionWord, formatDistance, reasonText } from '@/lib/format';
import { LocalTime, TimeZoneNote } from '@/components/local-time';
import type { AuditFeedSubscription, RecognitionEventFieldsFragment as RecognitionEvent } from '@/generated/graphql';
import { FacesHidden } from '@/components/faces-hidden';

type Status = 'connecting' | 'live' | 'offline';

/** The audit rows; on the newest page, new attempts arrive live over server-sent events. */
export function AuditTable({
  initial,
  total,
  live,
  query,
  keyNames,
  facesHidden = false,
}: {
  /** This account may not see face images (no faces:read): a tile says so in each row. */
  facesHidden?: boolean;
  initial: RecognitionEvent[];
  total: number;
  live: boolean;
  query: string;
  keyNames: Record<string, string>;
}) {
  const [rows, setRows] = useState(initial);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [status, setStatus] = useState<Status>(live ? 'connecting' : 'offline');

  useEffect(() => {
    if (!live) return;
    const source = new EventSource(`/api/events${query ? `?${query}` : ''}`);
    source.onopen = () => setStatus('live');
    source.onerror = () => setStatus(source.readyState === EventSource.CLOSED ? 'offline' : 'connecting');
    source.addEventListener('next', (message) => {
      const payload = JSON.parse((message as MessageEvent<string>).data) as { data?: Partial<AuditFeedSubscription> };
      const event = payload.data?.recognitionEvents;
      if (!event) return;
      setRows((current) => (current.some((r) => r.id === event.id) ? current : [event, ...current]));
      setFresh((current) => new Set(current).add(event.id));
    });
    return () => source.close();
  }, [live, query]);

  const added = rows.length - initial.length;
  return (
    <section className="panel" aria-labelledby="events-title">
      <div className="row" style={{ justifyContent: 'space-between', alignItems: 'center', marginBottom: '0.5rem' }}>
        <h2 id="events-title" style={{ margin: 0 }}>
          {total + added} {total + added === 1 ? 'attempt' : 'attempts'}
        </h2>
        {live && (
          <span className={`live ${status === 'live' ? 'on' : ''}`} role="status" data-testid="live-status">
            <span className="dot" aria-hidden="true" />
            {status === 'live'
              ? 'Live: new attempts appear at the top'
              : status === 'connecting'
                ? 'Connecting to live updates…'
                : 'Live updates are off'}
          </span>
        )}
      </div>
      <p className="hint">
        <TimeZoneNote />
      </p>
      {rows.length === 0 ? (
        <p className="muted">No attempt matches these filters.</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="audit-table" className="cards-on-phone compact-cards">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Face</th>
                <th scope="col">Kind</th>
                <th scope="col">Door</th>
                <th scope="col">Key</th>
                <th scope="col">Claimed</th>
                <th scope="col">Decided</th>
                <th scope="col">Distance</th>
                <th scope="col">Threshold</th>
                <th scope="col">Decision</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.id} className={fresh.has(e.id) ? 'fresh' : undefined} data-testid="audit-row">
                  <td data-label="Time" style={{ whiteSpace: 'nowrap' }}>
                    {/* Each row opens the event's detail page (every field the reader may see). */}
                    <Link href={`/audit/${e.id}`} data-testid="audit-row-link">
                      <LocalTime iso={e.createdAt} />
                    </Link>
                  </td>
                  <td data-label="Face">
                    {facesHidden ? (
                      <FacesHidden />
                    ) : e.thumbnail ? (
                      <img className="thumb" src={e.thumbnail} alt="Face seen" />
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td data-label="Kind">{e.kind === 'VERIFY' ? 'verify' : 'identify'}</td>
                  <td data-label="Door">{e.door?.name ?? <span className="muted">—</span>}</td>
                  <td data-label="Key">
                    {e.apiKeyId ? (keyNames[e.apiKeyId] ?? `key ${e.apiKeyId.slice(0, 8)}`) : e.adminId ? 'dashboard' : '—'}
                  </td>
                  <td data-label="Claimed">{e.claimedLabel ?? <span className="muted">—</span>}</td>
                  <td data-label="Decided">{e.decidedLabel ?? <span className="muted">—</span>}</td>
                  <td data-label="Distance">{formatDistance(e.distance)}</td>
                  <td data-label="Threshold">{formatDistance(e.threshold)}</td>
                  <td data-label="Decision" className="decision-cell">
                    <span>
                      <span className={`badge ${e.decision}`}>{decisionWord(e.decision)}</span>
                      <br />
                      <span className="muted" style={{ fontSize: '0.8rem' }}>
                        {reasonText(e.reason)}
                      </span>
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
