import { graphql } from '@/generated';
import { API_URL, sessionToken } from '@/lib/api';
import { parseAuditParams, toApiFilter } from '@/lib/audit-filter';

export const dynamic = 'force-dynamic';

/** The audit table reads each message as AuditFeedSubscription. */
const AuditFeedDocument = graphql(`
  subscription AuditFeed($filter: RecognitionEventFilter) {
    recognitionEvents(filter: $filter) {
      ...RecognitionEventFields
    }
  }
`);

/**
 * The audit log's live feed for the browser: the API's `recognitionEvents` subscription (server-sent
 * events), forwarded with the session token the browser cannot read.
 */
export async function GET(request: Request): Promise<Response> {
  const token = await sessionToken();
  if (!token) return new Response('Sign in first.', { status: 401 });
  const filter = toApiFilter(parseAuditParams(Object.fromEntries(new URL(request.url).searchParams)));
  const upstream = new AbortController();
  request.signal.addEventListener('abort', () => upstream.abort());
  let response: Response;
  try {
    response = await fetch(API_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: AuditFeedDocument.toString(),
        variables: { filter },
      }),
      signal: upstream.signal,
      cache: 'no-store',
    });
  } catch {
    return new Response('The facegate API cannot be reached.', { status: 502 });
  }
  if (!response.ok || !response.body) return new Response(`The facegate API answered ${response.status}.`, { status: 502 });
  return new Response(response.body, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    },
  });
}
