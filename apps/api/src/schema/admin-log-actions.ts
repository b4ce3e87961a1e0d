// What each administrator's mutation writes in the action log (schema/admin-log.ts wraps the resolvers).
import type { Context } from '../context.ts';
import type { AdminActionEntry, TargetType } from '../services/admin-log.ts';
import { erasedPseudonym } from '../services/people/index.ts';
import { beatBaseModel } from './models.ts';

export type Args = Record<string, unknown>;
export type Describer = {
  /** Read before the change (a deleted thing's name). */
  before?: (args: Args, ctx: Context) => Promise<unknown>;
  describe: (args: Args, result: unknown, ctx: Context, before: unknown) => Promise<AdminActionEntry[]> | AdminActionEntry[];
};

export const str = (v: unknown): string => String(v);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
const withoutNulls = (v: unknown): Record<string, unknown> =>
  Object.fromEntries(Object.entries(obj(v)).filter(([, x]) => x !== null && x !== undefined));

async function person(action: string, ctx: Context, personId: string, details: Record<string, unknown> = {}): Promise<AdminActionEntry> {
  return {
    action,
    targetType: 'person',
    targetId: personId,
    personId,
    targetLabel: await ctx.services.adminLog.labelOf('person', personId),
    details,
  };
}
async function thing(
  action: string,
  ctx: Context,
  type: TargetType,
  id: string,
  details: Record<string, unknown> = {},
  label?: string | null,
): Promise<AdminActionEntry> {
  return {
    action,
    targetType: type,
    targetId: id,
    targetLabel: label !== undefined ? label : await ctx.services.adminLog.labelOf(type, id),
    details,
  };
}
const labelBefore =
  (type: TargetType, key = 'id') =>
  (args: Args, ctx: Context) =>
    ctx.services.adminLog.labelOf(type, str(args[key]));

/**
 * What each mutation writes in the action log. Mutations of the door (verifyFace, identifyFace,
 * completeStepUp: one audit event each) and of one's own session (login, signOut, changePassword: the
 * security log) are not administrators' actions. A mutation missing from both lists is still logged,
 * with its name and target id (test/integration/admin-log.test.ts fails until it is described here).
 */
export const NOT_ADMIN_ACTIONS = new Set([
  'login',
  'signOut',
  'changePassword',
  'verifyFace',
  'identifyFace',
  'completeStepUp',
  'loginSecondFactor',
  'startTotpEnrolment',
  'confirmTotpEnrolment',
  'disableTotp',
  'startPasskeyRegistration',
  'finishPasskeyRegistration',
  'removePasskey',
  'startPasskeySignIn',
  'loginPasskey',
]);

export const ADMIN_ACTIONS: Record<string, Describer> = {
  createPerson: { describe: async (_, r, ctx) => [await person('createPerson', ctx, str(obj(r).id))] },
  updatePerson: {
    describe: async (a, r, ctx) => [
      await person('updatePerson', ctx, str(obj(r).id), {
        changed: Object.keys(withoutNulls(a.input)),
        ...('active' in obj(a.input) && obj(a.input).active !== null ? { active: obj(a.input).active } : {}),
      }),
    ],
  },
  // The deletion is kept, under the pseudonym the audit log gives them, never their name.
  deletePerson: {
    describe: (a, r) => [
      {
        action: 'deletePerson',
        targetType: 'person',
        targetId: null,
        targetLabel: erasedPseudonym(str(a.id)),
        details: {
          samplesErased: obj(r).samplesErased,
          auditImagesErased: obj(r).auditImagesErased,
          auditEventsPseudonymised: obj(r).auditEventsPseudonymised,
        },
      },
    ],
  },
  enrollFaces: {
    describe: async (a, r, ctx) => {
      const result = obj(r) as { enrolled?: unknown[]; rejected?: unknown[] };
      return (result.enrolled?.length ?? 0) === 0
        ? []
        : [
            await person('enrollFaces', ctx, str(a.personId), {
              enrolled: result.enrolled?.length ?? 0,
              rejected: result.rejected?.length ?? 0,
              allowDuplicates: a.allowDuplicates === true,
            }),
          ];
    },
  },
  // Created only when a photo was enrolled: a refused enrolment writes nothing.
  enrollPerson: {
    describe: async (a, r, ctx) => {
      const result = obj(r) as { person?: { id: string } | null; enrolled?: unknown[]; rejected?: unknown[] };
      return result.person
        ? [
            await person('enrollPerson', ctx, result.person.id, {
              enrolled: result.enrolled?.length ?? 0,
              rejected: result.rejected?.length ?? 0,
              allowDuplicates: a.allowDuplicates === true,
            }),
          ]
        : [];
    },
  },
  // The person merged is named by their pseudonym only (they are erased).
  mergePeople: {
    describe: async (a, r, ctx) => {
      const { person: _kept, mergedId, ...counts } = obj(r);
      return [await person('mergePeople', ctx, str(a.intoId), { merged: erasedPseudonym(str(mergedId)), ...counts })];
    },
  },
  removeAdaptiveSamples: {
    describe: async (a, r, ctx) => [
      await person('removeAdaptiveSamples', ctx, str(a.personId), { removed: obj(r).removed, sampleIds: a.sampleIds ?? 'all' }),
    ],
  },
  removeFaceSample: { describe: async (a, r, ctx) => [await person('removeFaceSample', ctx, str(obj(r).id), { sampleId: str(a.id) })] },
  createAccessGroup: { describe: async (_, r, ctx) => [await thing('createAccessGroup', ctx, 'access_group', str(obj(r).id))] },
  deleteAccessGroup: {
    before: labelBefore('access_group'),
    describe: async (a, _, ctx, label) => [await thing('deleteAccessGroup', ctx, 'access_group', str(a.id), {}, label as string | null)],
  },
  // One line per person: "who was added to which group" reads per person, and erasure finds it.
  addGroupMembers: {
    describe: async (a, _, ctx) => {
      const group = await ctx.services.adminLog.labelOf('access_group', str(a.groupId));
      return Promise.all(
        [...new Set((a.personIds as unknown[]).map(str))].map((id) =>
          person('addGroupMembers', ctx, id, { groupId: str(a.groupId), group }),
        ),
      );
    },
  },
  removeGroupMembers: {
    describe: async (a, _, ctx) => {
      const group = await ctx.services.adminLog.labelOf('access_group', str(a.groupId));
      return Promise.all(
        [...new Set((a.personIds as unknown[]).map(str))].map((id) =>
          person('removeGroupMembers', ctx, id, { groupId: str(a.groupId), group }),
        ),
      );
    },
  },
  allowGroupAtDoor: {
    describe: async (a, _, ctx) => [
      await thing('allowGroupAtDoor', ctx, 'access_group', str(a.groupId), {
        doorId: str(a.doorId),
        door: await ctx.services.adminLog.labelOf('door', str(a.doorId)),
        scheduleId: a.scheduleId ? str(a.scheduleId) : null,
      }),
    ],
  },
  disallowGroupAtDoor: {
    describe: async (a, _, ctx) => [
      await thing('disallowGroupAtDoor', ctx, 'access_group', str(a.groupId), {
        doorId: str(a.doorId),
        door: await ctx.services.adminLog.labelOf('door', str(a.doorId)),
      }),
    ],
  },
  saveSchedule: {
    describe: async (a, r, ctx) => [
      await thing('saveSchedule', ctx, 'schedule', str(obj(r).id), {
        created: !a.id,
        windows: obj(a.input).windows ?? undefined,
        exceptions: obj(a.input).exceptions ?? undefined,
      }),
    ],
  },
  deleteSchedule: {
    before: labelBefore('schedule'),
    describe: async (a, _, ctx, label) => [await thing('deleteSchedule', ctx, 'schedule', str(a.id), {}, label as string | null)],
  },
  issueVisitorPass: {
    describe: async (a, r, ctx) => [
      await person('issueVisitorPass', ctx, str(a.personId), {
        passId: str(obj(r).id),
        validFrom: a.validFrom,
        validUntil: a.validUntil,
        doorIds: a.doorIds ?? [],
      }),
    ],
  },
  revokeVisitorPass: {
    describe: async (a, r, ctx) => [await person('revokeVisitorPass', ctx, str(obj(r).personId), { passId: str(a.id) })],
  },
  setPersonPin: { describe: async (a, _, ctx) => [await person('setPersonPin', ctx, str(a.personId))] },
  clearPersonPin: { describe: async (a, _, ctx) => [await person('clearPersonPin', ctx, str(a.personId))] },
  revokeSessions: { describe: async (a, r, ctx) => [await thing('revokeSessions', ctx, 'admin', str(a.adminId), { sessions: r })] },
  createAdmin: {
    describe: async (a, r, ctx) => [
      await thing('createAdmin', ctx, 'admin', str(obj(r).id), {
        role: a.role,
        facesRead: obj(r).role === 'admin' || obj(r).facesRead === true,
      }),
    ],
  },
  setViewerFacesRead: {
    before: async (a, ctx) => (await ctx.services.access.admins.findById(str(a.id)))?.facesRead ?? null,
    describe: async (a, r, ctx, before) => [
      await thing('setViewerFacesRead', ctx, 'admin', str(a.id), { changes: { facesRead: { before, after: obj(r).facesRead } } }),
    ],
  },
  removeAdmin: {
    before: labelBefore('admin'),
    describe: async (a, _, ctx, label) => [await thing('removeAdmin', ctx, 'admin', str(a.id), {}, label as string | null)],
  },
  createApiKey: {
    // Never the token: its name, scopes and door.
    describe: async (a, r, ctx) => [
      await thing('createApiKey', ctx, 'api_key', str(obj(obj(r).key).id), {
        scopes: a.scopes,
        doorId: a.doorId ? str(a.doorId) : null,
        prefix: obj(obj(r).key).prefix,
      }),
    ],
  },
  revokeApiKey: { describe: async (a, _, ctx) => [await thing('revokeApiKey', ctx, 'api_key', str(a.id))] },
  // The attempt and its score: which door's calibration it now feeds.
  markAttemptLive: {
    describe: async (a, r, ctx) => [
      await thing('markAttemptLive', ctx, 'door', str(obj(r).doorId), { attemptId: str(a.attemptId), livenessScore: obj(r).livenessScore }),
    ],
  },
  // A head that never did better than the encoder alone, activated all the same, is said so.
  changeActiveModel: {
    describe: async (a, r, ctx) => {
      const head = a.headId ? await ctx.services.models.head(str(a.headId)) : null;
      return [
        {
          action: 'changeActiveModel',
          targetId: str(obj(r).id),
          details: {
            to: head ? `head ${head.id}` : 'the encoder alone',
            headId: head?.id ?? null,
            againstAdvice: head ? beatBaseModel(head) === false : false,
          },
        },
      ];
    },
  },
  createDoor: { describe: async (_, r, ctx) => [await thing('createDoor', ctx, 'door', str(obj(r).id))] },
  updateDoor: {
    describe: async (a, _, ctx) => [
      await thing('updateDoor', ctx, 'door', str(a.id), {
        ...withoutNulls(a.input),
        ...(obj(a.input).settings ? { settings: withoutNulls(obj(a.input).settings) } : {}),
      }),
    ],
  },
  // The keys bound to the door are revoked with it: each is named, and logged as revoked.
  deleteDoor: {
    before: labelBefore('door'),
    describe: async (a, r, ctx, label) => {
      const keys = (obj(r).revokedKeys as { id: string; name: string; prefix: string }[] | undefined) ?? [];
      return [
        await thing(
          'deleteDoor',
          ctx,
          'door',
          str(a.id),
          { revokedKeys: keys.map((k) => ({ id: k.id, name: k.name, prefix: k.prefix })) },
          label as string | null,
        ),
        ...keys.map((k) => ({
          action: 'revokeApiKey',
          targetType: 'api_key',
          targetId: k.id,
          targetLabel: k.name,
          details: { reason: 'door deleted', doorId: str(a.id), door: label, prefix: k.prefix },
        })),
      ];
    },
  },
  // Each setting changed, before and after (the threshold as it is in force, whether set or calibrated).
  updateSettings: {
    before: (_, ctx) => Promise.resolve({ ...ctx.services.settings.current() }),
    describe: (a, _, ctx, before) => {
      const after: Record<string, unknown> = { ...ctx.services.settings.current() };
      const old = obj(before);
      const KEY: Record<string, string> = { useCalibratedThreshold: 'threshold', keepAuditImages: 'auditImageRetentionDays' };
      const keys = [...new Set(Object.keys(withoutNulls(a.input)).map((k) => KEY[k] ?? k))];
      const changes = Object.fromEntries(keys.map((k) => [k, { before: old[k] ?? null, after: after[k] ?? null }]));
      return [{ action: 'updateSettings', targetType: 'settings', details: { ...withoutNulls(a.input), changes } }];
    },
  },
  // The URL may carry a token in its query: the host only.
  createWebhook: {
    describe: async (a, r, ctx) => [await thing('createWebhook', ctx, 'webhook', str(obj(obj(r).webhook).id), webhookDetails(a.input))],
  },
  updateWebhook: { describe: async (a, _, ctx) => [await thing('updateWebhook', ctx, 'webhook', str(a.id), webhookDetails(a.input))] },
  deleteWebhook: {
    before: labelBefore('webhook'),
    describe: async (a, _, ctx, label) => [await thing('deleteWebhook', ctx, 'webhook', str(a.id), {}, label as string | null)],
  },
  testWebhook: { describe: async (a, _, ctx) => [await thing('testWebhook', ctx, 'webhook', str(a.id))] },
  replayWebhookDelivery: {
    describe: async (a, r, ctx) => [await thing('replayWebhookDelivery', ctx, 'webhook', str(obj(r).webhookId), { deliveryId: str(a.id) })],
  },
  learnFacesFromDoors: {
    describe: async (a, r, ctx) => {
      const result = obj(r) as { person?: { id: string }; enrolled?: unknown[]; rejected?: unknown[] };
      if (!result.person || (result.enrolled?.length ?? 0) === 0) return [];
      return [
        await person('learnFacesFromDoors', ctx, result.person.id, {
          eventIds: a.eventIds,
          enrolled: result.enrolled?.length ?? 0,
          rejected: result.rejected?.length ?? 0,
          newPerson: !a.personId,
        }),
      ];
    },
  },
  importPerson: {
    describe: async (_, r, ctx) => {
      const result = obj(r) as { personId?: string | null; created?: boolean; enrolled?: number; rejected?: unknown[] };
      return result.personId && (result.enrolled ?? 0) > 0
        ? [
            await person('importPerson', ctx, result.personId, {
              created: result.created,
              enrolled: result.enrolled,
              rejected: result.rejected?.length ?? 0,
            }),
          ]
        : [];
    },
  },
  importPeople: {
    describe: async (_, r, ctx) => {
      const people =
        (obj(r).people as { personId?: string | null; created?: boolean; enrolled?: number; rejected?: unknown[] }[] | undefined) ?? [];
      return Promise.all(
        people
          .filter((p) => p.personId && (p.enrolled ?? 0) > 0)
          .map((p) =>
            person('importPerson', ctx, p.personId!, {
              created: p.created,
              enrolled: p.enrolled,
              rejected: p.rejected?.length ?? 0,
              archive: true,
            }),
          ),
      );
    },
  },
};

function webhookDetails(input: unknown): Record<string, unknown> {
  const { url, ...rest } = withoutNulls(input);
  let host: string | undefined;
  try {
    host = url ? new URL(String(url)).host : undefined;
  } catch {
    host = undefined;
  }
  return { ...rest, ...(host ? { host } : {}) };
}
