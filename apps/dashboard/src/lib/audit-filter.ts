import { z } from 'zod';

/** The audit log's filters, as they travel in the page's query string. */
export const AuditFilterParams = z.object({
  door: z.string().trim().max(100).optional().catch(undefined),
  person: z.string().trim().max(100).optional().catch(undefined),
  decision: z.enum(['ACCEPTED', 'REFUSED', 'ERROR']).optional().catch(undefined),
  kind: z.enum(['VERIFY', 'IDENTIFY']).optional().catch(undefined),
  from: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/)
    .optional()
    .catch(undefined),
  to: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/)
    .optional()
    .catch(undefined),
});
export type AuditFilterParams = z.infer<typeof AuditFilterParams>;

/** Query-string values (first of each) to filters; anything malformed is dropped. */
export function parseAuditParams(params: Record<string, string | string[] | undefined>): AuditFilterParams {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) || undefined;
  return AuditFilterParams.parse({
    door: one(params.door),
    person: one(params.person),
    decision: one(params.decision),
    kind: one(params.kind),
    from: one(params.from),
    to: one(params.to),
  });
}

/** The API's RecognitionEventFilter; times typed in the form are UTC. */
export function toApiFilter(f: AuditFilterParams) {
  const utc = (v: string) => new Date(`${v.length === 16 ? `${v}:00` : v}Z`).toISOString();
  return {
    doorId: f.door ?? null,
    personId: f.person ?? null,
    decision: f.decision ?? null,
    kind: f.kind ?? null,
    from: f.from ? utc(f.from) : null,
    to: f.to ? utc(f.to) : null,
  };
}

export function toQueryString(f: AuditFilterParams): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) q.set(k, v);
  return q.toString();
}
