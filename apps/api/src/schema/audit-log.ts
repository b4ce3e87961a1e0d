// The audit log of recognition attempts: read, filtered, counted per day, followed live.
import { resolveOffsetConnection } from '@pothos/plugin-relay';
import { builder } from '../builder.ts';
import { InvalidInputError } from '../errors.ts';
import { isTimeZone } from '../policy/schedule.ts';
import { serverTimeZone } from '../services/access.ts';
import { Decision, Kind, RecognitionEventRef } from './recognition-event.ts';

const EventFilter = builder.inputType('RecognitionEventFilter', {
  fields: (t) => ({
    doorId: t.id(),
    personId: t.id({ description: 'Claimed or decided person.' }),
    decision: t.field({ type: Decision }),
    kind: t.field({ type: Kind }),
    from: t.field({ type: 'DateTime' }),
    to: t.field({ type: 'DateTime' }),
  }),
});

type Filter =
  | {
      doorId?: string | number | null;
      personId?: string | number | null;
      decision?: string | null;
      kind?: string | null;
      from?: Date | null;
      to?: Date | null;
    }
  | null
  | undefined;
const toFilter = (f: Filter) => ({
  doorId: f?.doorId ? String(f.doorId) : null,
  personId: f?.personId ? String(f.personId) : null,
  decision: f?.decision ?? null,
  kind: f?.kind ?? null,
  from: f?.from ?? null,
  to: f?.to ?? null,
});

const EventsConnection = builder.connectionObject({ type: RecognitionEventRef, name: 'RecognitionEventsConnection' });
builder.objectField(EventsConnection, 'totalCount', (t) => t.int({ resolve: (c) => (c as unknown as { totalCount: number }).totalCount }));

const DayStats = builder
  .objectRef<{ day: string; accepted: number; refused: number; stepUp: number; error: number }>('DayStats')
  .implement({
    fields: (t) => ({
      day: t.exposeString('day', { description: 'UTC day, YYYY-MM-DD.' }),
      accepted: t.exposeInt('accepted'),
      refused: t.exposeInt('refused'),
      stepUp: t.exposeInt('stepUp'),
      error: t.exposeInt('error'),
    }),
  });

builder.queryFields((t) => ({
  recognitionEvents: t.field({
    type: EventsConnection,
    description: 'The audit log, newest first.',
    authScopes: { scope: 'audit:read' },
    args: { filter: t.arg({ type: EventFilter }), first: t.arg.int(), after: t.arg.string(), last: t.arg.int(), before: t.arg.string() },
    resolve: async (_, args, ctx) => {
      const filter = toFilter(args.filter);
      return {
        ...(await resolveOffsetConnection({ args, defaultSize: 50, maxSize: 500 }, ({ offset, limit }) =>
          ctx.services.audit.list(filter, offset, limit),
        )),
        totalCount: await ctx.services.audit.count(filter),
      };
    },
  }),
  recognitionEvent: t.field({
    type: RecognitionEventRef,
    nullable: true,
    authScopes: { scope: 'audit:read' },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => ctx.services.audit.get(String(id)),
  }),
  stats: t.field({
    type: [DayStats],
    description:
      "Attempts per day and decision (default: the last 30 days), days counted in `timeZone` (IANA; default the server's, serverTimeZone).",
    authScopes: { scope: 'audit:read' },
    args: { from: t.arg({ type: 'DateTime' }), to: t.arg({ type: 'DateTime' }), timeZone: t.arg.string() },
    resolve: (_, args, ctx) => {
      const to = args.to ?? new Date();
      if (args.timeZone && !isTimeZone(args.timeZone))
        throw new InvalidInputError(
          `unknown time zone ${JSON.stringify(args.timeZone.slice(0, 60))}: give an IANA name such as Europe/Paris`,
        );
      return ctx.services.audit.stats(args.from ?? new Date(to.getTime() - 30 * 86_400_000), to, args.timeZone ?? serverTimeZone());
    },
  }),
  serverTimeZone: t.string({
    description: "The API server's IANA time zone (TZ, or the system's): new doors take it, and stats count days in it.",
    authScopes: { scope: 'audit:read' },
    resolve: () => serverTimeZone(),
  }),
}));

builder.subscriptionFields((t) => ({
  recognitionEvents: t.field({
    type: RecognitionEventRef,
    description: 'Every new attempt as it happens (server-sent events).',
    authScopes: { scope: 'audit:read' },
    args: { filter: t.arg({ type: EventFilter }) },
    subscribe: (_, args, ctx) => ctx.services.audit.subscribe(toFilter(args.filter)),
    resolve: (event) => event,
  }),
}));
