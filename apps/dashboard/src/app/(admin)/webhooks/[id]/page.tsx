import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { graphql } from '@/generated';
import { safeRead } from '@/lib/api';
import { requireUser } from '@/lib/session';
import { ErrorPanel } from '@/components/error-panel';
import { TimeZoneNote } from '@/components/local-time';
import { DeliveryLog } from '../webhook-forms';
import { filterText } from '../webhook-text';

export const metadata: Metadata = { title: 'Delivery log' };

const STATUSES = ['PENDING', 'DELIVERED', 'FAILED'] as const;

const WebhookLogDocument = graphql(`
  query WebhookLog($id: ID!, $status: WebhookDeliveryStatus) {
    webhooks {
      ...WebhookRow
    }
    doors {
      id
      name
    }
    webhookDeliveries(webhookId: $id, status: $status, first: 100) {
      id
      attemptId
      payload
      status
      attempts
      nextAttemptAt
      lastStatus
      lastError
      deliveredAt
      createdAt
    }
  }
`);

export default async function WebhookLogPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ status?: string }>;
}) {
  const me = await requireUser();
  const { id } = await params;
  const wanted = (await searchParams).status?.toUpperCase();
  const status = STATUSES.find((s) => s === wanted) ?? null;
  if (me.role !== 'ADMIN') {
    return (
      <>
        <h1>Delivery log</h1>
        <p className="alert warn">Webhooks are configuration: only administrators see them and their delivery log.</p>
      </>
    );
  }
  const { data, error } = await safeRead(WebhookLogDocument, { id, status });
  if (!data) return <ErrorPanel message={error} />;
  const webhook = data.webhooks.find((w) => w.id === id);
  if (!webhook) notFound();
  return (
    <>
      <p>
        <Link href="/webhooks">← Webhooks</Link>
      </p>
      <h1>Delivery log of {webhook.name}</h1>
      <p className="url">
        <code>{webhook.url}</code>
      </p>
      <p className="muted">
        Sent {filterText(webhook, data.doors)}; {webhook.active ? 'active' : 'paused: new deliveries wait until it is resumed'}. The newest
        100 deliveries, newest first. A failed one can be replayed: it is sent again as a new delivery with the same body and message id.
      </p>
      <section className="panel" aria-labelledby="log-title">
        <div className="row" style={{ justifyContent: 'space-between', alignItems: 'center', marginBottom: '0.5rem' }}>
          <h2 id="log-title" style={{ margin: 0 }}>
            {data.webhookDeliveries.length} {status ? status.toLowerCase() : ''}{' '}
            {data.webhookDeliveries.length === 1 ? 'delivery' : 'deliveries'}
          </h2>
          <nav aria-label="Filter by status" className="row filter-links" style={{ gap: '0.5rem', alignItems: 'center' }}>
            <Link href={`/webhooks/${id}`} aria-current={status === null ? 'page' : undefined}>
              all
            </Link>
            {STATUSES.map((s) => (
              <Link key={s} href={`/webhooks/${id}?status=${s.toLowerCase()}`} aria-current={status === s ? 'page' : undefined}>
                {s.toLowerCase()}
              </Link>
            ))}
            <Link className="button secondary" href={`/webhooks/${id}${status ? `?status=${status.toLowerCase()}` : ''}`} prefetch={false}>
              Refresh
            </Link>
          </nav>
        </div>
        <p className="hint">
          <TimeZoneNote />
        </p>
        <DeliveryLog deliveries={data.webhookDeliveries} canReplay />
      </section>
    </>
  );
}
