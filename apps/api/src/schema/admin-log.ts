import { resolveOffsetConnection } from '@pothos/plugin-relay';
import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { ApiError } from '../errors.ts';
import { ADMIN_ACTIONS, NOT_ADMIN_ACTIONS, str, type Args, type Describer } from './admin-log-actions.ts';

/** Pothos's mark on an error it answers as a typed result (its proxy of the error; see @pothos/plugin-errors). */
const POTHOS_TYPE_BRAND = Symbol.for('Pothos.typeBrandKey');

/** A typed error answered as a value: nothing was changed. */
function isTypedError(result: unknown): boolean {
  return (
    result instanceof Error ||
    result instanceof ApiError ||
    (typeof result === 'object' && result !== null && (result as Record<symbol, unknown>)[POTHOS_TYPE_BRAND] !== undefined)
  );
}

type AdminActionRow = {
  id: string;
  createdAt: Date;
  actorKind: string;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  targetLabel: string | null;
  personId: string | null;
  details: string;
};

const AdminActionRef = builder.objectRef<AdminActionRow>('AdminAction').implement({
  description:
    "One administrator's action (administrators only): who (an administrator's email, an admin key's name, or the facegate command), what, to what, and the details. A person's name is replaced by their pseudonym when they are erased.",
  fields: (t) => ({
    id: t.exposeID('id'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    actorKind: t.exposeString('actorKind', { description: "'admin', 'api_key' or 'system'." }),
    actorId: t.exposeID('actorId', { nullable: true }),
    actorLabel: t.exposeString('actorLabel', { nullable: true, description: "The administrator's email or the key's name, as it was." }),
    action: t.exposeString('action', {
      description: "The mutation: 'createPerson', 'deletePerson', 'updateSettings', 'learnFacesFromDoors', 'importPerson'...",
    }),
    targetType: t.exposeString('targetType', { nullable: true }),
    targetId: t.exposeID('targetId', { nullable: true }),
    targetLabel: t.exposeString('targetLabel', { nullable: true }),
    personId: t.exposeID('personId', { nullable: true, description: 'The person concerned, while they exist.' }),
    details: t.exposeString('details', { description: 'JSON: ids, counts, setting values; never a secret, a PIN or a photo.' }),
  }),
});

builder.queryFields((t) => ({
  adminActions: t.connection(
    {
      type: AdminActionRef,
      description: "The administrators' action log, newest first (administrators only).",
      authScopes: { scope: 'admin' },
      args: { action: t.arg.string(), personId: t.arg.id(), actorId: t.arg.id() },
      resolve: async (_, args, ctx) => {
        const filter = {
          action: args.action ?? null,
          personId: args.personId ? String(args.personId) : null,
          actorId: args.actorId ? String(args.actorId) : null,
        };
        return {
          ...(await resolveOffsetConnection({ args, defaultSize: 50, maxSize: 200 }, ({ offset, limit }) =>
            ctx.services.adminLog.list(filter, offset, limit),
          )),
          totalCount: await ctx.services.adminLog.count(filter),
        };
      },
    },
    {
      name: 'AdminActionsConnection',
      fields: (c) => ({ totalCount: c.int({ resolve: (conn) => (conn as unknown as { totalCount: number }).totalCount }) }),
    },
  ),
}));

/**
 * Logs every administrator's mutation that succeeded: each Mutation field's resolver is wrapped, and
 * after it returns a value (not a typed error) its describer writes the log lines. A failure to write
 * the log is an error of the request (the change is made; the answer says the log is not).
 */
export function withAdminLog(schema: GraphQLSchema): GraphQLSchema {
  const fields = schema.getMutationType()?.getFields() ?? {};
  for (const [name, field] of Object.entries(fields)) {
    if (NOT_ADMIN_ACTIONS.has(name)) continue;
    const resolve: GraphQLFieldResolver<unknown, Context> = field.resolve ?? defaultFieldResolver;
    const describer: Describer = ADMIN_ACTIONS[name] ?? { describe: (a) => [{ action: name, targetId: a.id ? str(a.id) : null }] };
    field.resolve = async (source, args: Args, ctx: Context, info) => {
      const before = describer.before ? await describer.before(args, ctx) : undefined;
      const result: unknown = await resolve(source, args, ctx, info);
      if (result === null || result === undefined || isTypedError(result)) return result;
      await ctx.services.adminLog.record(ctx.viewer, await describer.describe(args, result, ctx, before));
      return result;
    };
  }
  return schema;
}
