import type { Viewer } from '../auth/viewer.ts';
import type { Prisma } from '../db/prisma.ts';

/** One line of the administrators' action log, as written (see AdminAction in prisma/schema.prisma). */
export interface AdminActionEntry {
  readonly action: string;
  readonly targetType?: string | null;
  readonly targetId?: string | null;
  /** The target's name as it is now; a person's is pseudonymised when they are erased. */
  readonly targetLabel?: string | null;
  /** The person concerned, when there is one (erasure finds their rows by it). */
  readonly personId?: string | null;
  /** What changed: ids, counts, setting values. Never a person's name, a secret, a PIN or a photo. */
  readonly details?: Record<string, unknown>;
}

export type TargetType = 'person' | 'door' | 'access_group' | 'schedule' | 'api_key' | 'admin' | 'webhook' | 'visitor_pass';

export interface AdminActionFilter {
  readonly action?: string | null;
  readonly personId?: string | null;
  readonly actorId?: string | null;
}

/** Who did it, copied: the log outlives accounts and keys. Door attempts and sign-ins have logs of their own. */
export function actorOf(viewer: Viewer): { actorKind: string; actorId: string | null; actorLabel: string | null } {
  switch (viewer.kind) {
    case 'admin':
      return { actorKind: 'admin', actorId: viewer.id, actorLabel: viewer.email };
    case 'apiKey':
      return { actorKind: 'api_key', actorId: viewer.id, actorLabel: viewer.name };
    case 'system':
      return { actorKind: 'system', actorId: null, actorLabel: 'facegate command' };
    case 'anonymous':
      return { actorKind: 'anonymous', actorId: null, actorLabel: null };
  }
}

/** The administrators' action log: written after a change succeeded, read by administrators only. */
export function createAdminLog(prisma: Prisma, now: () => Date = () => new Date()) {
  const where = (filter: AdminActionFilter) => ({
    ...(filter.action ? { action: filter.action } : {}),
    ...(filter.personId ? { personId: filter.personId } : {}),
    ...(filter.actorId ? { actorId: filter.actorId } : {}),
  });
  return {
    async record(viewer: Viewer, entries: readonly AdminActionEntry[]) {
      if (entries.length === 0) return;
      const actor = actorOf(viewer);
      const createdAt = now();
      await prisma.adminAction.createMany({
        data: entries.map((e) => ({
          ...actor,
          createdAt,
          action: e.action,
          targetType: e.targetType ?? null,
          targetId: e.targetId ?? null,
          targetLabel: e.targetLabel?.slice(0, 300) ?? null,
          personId: e.personId ?? null,
          details: JSON.stringify(e.details ?? {}),
        })),
      });
    },
    /** The name of what an action targets, read before a deletion (after it, it is gone). */
    async labelOf(type: TargetType, id: string): Promise<string | null> {
      const select = { where: { id } } as const;
      switch (type) {
        case 'person':
          return (await prisma.person.findUnique({ ...select, select: { name: true } }))?.name ?? null;
        case 'door':
          return (await prisma.door.findUnique({ ...select, select: { name: true } }))?.name ?? null;
        case 'access_group':
          return (await prisma.accessGroup.findUnique({ ...select, select: { name: true } }))?.name ?? null;
        case 'schedule':
          return (await prisma.schedule.findUnique({ ...select, select: { name: true } }))?.name ?? null;
        case 'api_key':
          return (await prisma.apiKey.findUnique({ ...select, select: { name: true } }))?.name ?? null;
        case 'admin':
          return (await prisma.admin.findUnique({ ...select, select: { email: true } }))?.email ?? null;
        case 'webhook':
          return (await prisma.webhook.findUnique({ ...select, select: { name: true } }))?.name ?? null;
        case 'visitor_pass':
          return null;
      }
    },
    /** The person a visitor pass is for. */
    passHolder: async (passId: string) =>
      (await prisma.visitorPass.findUnique({ where: { id: passId }, select: { personId: true } }))?.personId ?? null,
    list: (filter: AdminActionFilter, offset: number, limit: number) =>
      prisma.adminAction.findMany({ where: where(filter), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip: offset, take: limit }),
    count: (filter: AdminActionFilter) => prisma.adminAction.count({ where: where(filter) }),
  };
}

export type AdminLog = ReturnType<typeof createAdminLog>;
