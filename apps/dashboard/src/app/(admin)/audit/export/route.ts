import { graphql } from '@/generated';
import type { AuditExportPageQuery } from '@/generated/graphql';
import { ApiError, request as requestApi, sessionToken } from '@/lib/api';
import { parseAuditParams, toApiFilter } from '@/lib/audit-filter';
import { toCsv } from '@/lib/csv';

export const dynamic = 'force-dynamic';

const MAX_ROWS = 50_000;
// The API prices a list by its size (query cost limit): 60 rows of these fields per request.
const AuditExportPageDocument = graphql(`
  query AuditExportPage($filter: RecognitionEventFilter, $after: String) {
    recognitionEvents(filter: $filter, first: 60, after: $after) {
      pageInfo {
        ...NextPage
      }
      edges {
        node {
          ...AuditRow
        }
      }
    }
  }
`);

const AuditExportAdminsDocument = graphql(`
  query AuditExportAdmins {
    admins {
      id
      email
    }
  }
`);

type Row = AuditExportPageQuery['recognitionEvents']['edges'][number]['node'];

/** The filtered audit log as CSV (every matching row, newest first, without the face images). */
export async function GET(request: Request): Promise<Response> {
  if (!(await sessionToken())) return new Response('Sign in first.', { status: 401 });
  const filter = toApiFilter(parseAuditParams(Object.fromEntries(new URL(request.url).searchParams)));
  const rows: Row[] = [];
  let after: string | null = null;
  try {
    for (;;) {
      const page: AuditExportPageQuery = await requestApi(AuditExportPageDocument, { filter, after });
      rows.push(...page.recognitionEvents.edges.map((e) => e.node));
      if (!page.recognitionEvents.pageInfo.hasNextPage || rows.length >= MAX_ROWS) break;
      after = page.recognitionEvents.pageInfo.endCursor;
    }
  } catch (error) {
    const status = error instanceof ApiError && error.code === 'UNAUTHORIZED' ? 401 : 502;
    return new Response(error instanceof Error ? error.message : 'The audit log could not be read.', { status });
  }
  // Administrators by email where the reader may list them (administrators); others see the ids.
  const emails = new Map<string, string>();
  try {
    for (const admin of (await requestApi(AuditExportAdminsDocument, {})).admins) emails.set(admin.id, admin.email);
  } catch {
    // a viewer: ids only
  }
  // Distances to 4 decimals: the encoder is not more precise than that (not 16 digits of float noise).
  const round = (n: number | null) => (n === null ? '' : n.toFixed(4));
  const csv = toCsv(
    ['time', 'kind', 'door', 'api_key_id', 'admin', 'claimed', 'decided', 'distance', 'threshold', 'decision', 'reason', 'event_id'],
    rows.map((e) => [
      e.createdAt,
      e.kind.toLowerCase(),
      e.door?.name ?? '',
      e.apiKeyId ?? '',
      e.adminId ? (emails.get(e.adminId) ?? e.adminId) : '',
      e.claimedLabel ?? '',
      e.decidedLabel ?? '',
      round(e.distance),
      round(e.threshold),
      e.decision.toLowerCase(),
      e.reason,
      e.id,
    ]),
  );
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return new Response(csv, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="facegate-audit-${stamp}.csv"`,
      'cache-control': 'no-store',
    },
  });
}
