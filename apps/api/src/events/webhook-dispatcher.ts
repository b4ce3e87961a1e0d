import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { DataCipher } from '../db/sealed.ts';
import type { Prisma } from '../db/prisma.ts';
import { createPump } from './pump.ts';
import { signWebhook, WEBHOOK_HEADERS } from './signature.ts';
import { guardedLookup, portOf, refusedHost, type AllowedAddress } from './webhook-address.ts';

export interface WebhookRetryPolicy {
  /** Attempts before a delivery is marked failed (the first included). */
  readonly maxAttempts: number;
  /** The delay after the first failure; it doubles each time, up to maxDelayMs, with jitter (50-100 %). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A receiver that has not answered by then has failed this attempt. */
  readonly timeoutMs: number;
  readonly pollMs: number;
}

export const DEFAULT_RETRY_POLICY: WebhookRetryPolicy = {
  maxAttempts: 12,
  baseDelayMs: 5_000,
  maxDelayMs: 3_600_000,
  timeoutMs: 10_000,
  pollMs: 1_000,
};

/** The wait before attempt `attempts + 1`, after `attempts` failures: exponential, capped, with "equal jitter". */
export function retryDelayMs(
  policy: Pick<WebhookRetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  attempts: number,
  random = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

const BATCH = 100;
/** A claimed delivery is left alone by other instances this long (well beyond the HTTP timeout). */
const leaseMs = (policy: WebhookRetryPolicy) => policy.timeoutMs * 3 + 5_000;

export type DeliveryOutcome = 'delivered' | 'retry' | 'failed';

/**
 * Sends the webhook delivery log's pending rows: POST of the stored JSON body, signed, with a timeout.
 * A 2xx answer delivers it; anything else (an error, a timeout, a redirect) retries it later with
 * backoff, up to maxAttempts, then marks it failed. Several instances claim each row with a
 * conditional update (its nextAttemptAt as it was read), so one of them sends it. Rows of one webhook
 * are sent one after the other in the order written, and a failure moves that webhook's later pending
 * rows to the same retry time, so they keep their order once the receiver is back.
 */
export function createWebhookDispatcher(
  prisma: Prisma,
  cipher: DataCipher,
  policy: WebhookRetryPolicy,
  hooks: { outcome?: (outcome: DeliveryOutcome, createdAt: Date) => void; error: (error: unknown) => void },
  allow: readonly AllowedAddress[] = [],
) {
  // Aborts requests in flight at shutdown (they are retried after the restart).
  const closing = new AbortController();
  async function send(row: {
    id: string;
    payload: string;
    webhook: { url: string; secret: Uint8Array };
  }): Promise<{ ok: boolean; status: number | null; error: string | null }> {
    const secret = cipher.open(row.webhook.secret).toString('utf8');
    const timestamp = Math.floor(Date.now() / 1000);
    const id = (JSON.parse(row.payload) as { id?: string }).id ?? row.id;
    const url = new URL(row.webhook.url);
    // Checked again at each delivery: the address as written (a row from before, an allow-list since
    // narrowed), then every address the name resolves to (guardedLookup), the one connected to.
    const refused = refusedHost(url, allow);
    if (refused) return { ok: false, status: null, error: `refused: ${refused}` };
    const timeout = AbortSignal.timeout(policy.timeoutMs);
    try {
      const status = await new Promise<number>((resolve, reject) => {
        // node:http rather than fetch: it takes the lookup, and never follows a redirect (a 3xx is a failure).
        const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
          url,
          {
            method: 'POST',
            lookup: guardedLookup(portOf(url), allow),
            signal: AbortSignal.any([timeout, closing.signal]),
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(row.payload),
              'user-agent': 'facegate-webhooks/1',
              [WEBHOOK_HEADERS.id]: id,
              [WEBHOOK_HEADERS.delivery]: row.id,
              [WEBHOOK_HEADERS.timestamp]: String(timestamp),
              [WEBHOOK_HEADERS.signature]: signWebhook(secret, timestamp, row.payload),
            },
          },
          (response: IncomingMessage) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        request.on('error', reject);
        request.end(row.payload);
      });
      const ok = status >= 200 && status < 300;
      return { ok, status, error: ok ? null : `HTTP ${status}` };
    } catch (error) {
      const code = (error as { code?: string }).code;
      const message = closing.signal.aborted
        ? 'interrupted by shutdown'
        : timeout.aborted
          ? `no answer within ${policy.timeoutMs} ms`
          : code === 'EWEBHOOKREFUSED'
            ? (error as Error).message
            : (code ?? (error as Error).message);
      return { ok: false, status: null, error: String(message).slice(0, 500) };
    }
  }

  async function deliverInOrder(rows: Row[]) {
    for (const row of rows) {
      // The claim: only if nobody took it since it was read (another instance, or a replay).
      const lease = new Date(Date.now() + leaseMs(policy));
      const { count } = await prisma.webhookDelivery.updateMany({
        where: { id: row.id, status: 'pending', nextAttemptAt: row.nextAttemptAt },
        data: { nextAttemptAt: lease },
      });
      if (count === 0) continue;
      const result = await send(row);
      const attempts = row.attempts + 1;
      if (result.ok) {
        await prisma.webhookDelivery.update({
          where: { id: row.id },
          data: { status: 'delivered', attempts, lastStatus: result.status, lastError: null, deliveredAt: new Date() },
        });
        hooks.outcome?.('delivered', row.createdAt);
        continue;
      }
      if (closing.signal.aborted) {
        // Interrupted by this instance's shutdown, not the receiver's fault: released, not counted.
        await prisma.webhookDelivery.update({ where: { id: row.id }, data: { nextAttemptAt: new Date() } });
        return;
      }
      const failed = attempts >= policy.maxAttempts;
      const retryAt = new Date(Date.now() + retryDelayMs(policy, attempts));
      await prisma.webhookDelivery.update({
        where: { id: row.id },
        data: {
          status: failed ? 'failed' : 'pending',
          attempts,
          lastStatus: result.status,
          lastError: result.error,
          ...(failed ? {} : { nextAttemptAt: retryAt }),
        },
      });
      hooks.outcome?.(failed ? 'failed' : 'retry', row.createdAt);
      // The receiver is failing: its later rows wait for the same time (in order), not hammering it now.
      await prisma.webhookDelivery.updateMany({
        where: {
          webhookId: row.webhookId,
          status: 'pending',
          id: { not: row.id },
          nextAttemptAt: { lt: retryAt },
          createdAt: { gte: row.createdAt },
        },
        data: { nextAttemptAt: retryAt },
      });
      return;
    }
  }

  type Row = Awaited<ReturnType<typeof due>>[number];
  function due() {
    return prisma.webhookDelivery.findMany({
      where: { status: 'pending', nextAttemptAt: { lte: new Date() }, webhook: { active: true } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: BATCH,
      include: { webhook: { select: { url: true, secret: true } } },
    });
  }

  // Webhooks being sent to: one sender each, not awaited by the pump, so a receiver that hangs holds
  // up nobody else's deliveries.
  const sending = new Map<string, Promise<void>>();
  async function drain(): Promise<boolean> {
    const rows = await due();
    const byWebhook = new Map<string, Row[]>();
    for (const row of rows) if (!sending.has(row.webhookId)) byWebhook.set(row.webhookId, [...(byWebhook.get(row.webhookId) ?? []), row]);
    for (const [webhookId, group] of byWebhook) {
      const done = deliverInOrder(group)
        .catch(hooks.error)
        .finally(() => {
          sending.delete(webhookId);
          if (!stopped) pump.wake();
        });
      sending.set(webhookId, done);
    }
    return false;
  }

  let stopped = false;
  const pump = createPump(drain, policy.pollMs, hooks.error);
  return {
    wake: pump.wake,
    async close() {
      stopped = true;
      closing.abort();
      await pump.stop();
      await Promise.all(sending.values());
    },
  };
}
