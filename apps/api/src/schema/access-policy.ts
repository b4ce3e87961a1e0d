import { builder } from '../builder.ts';
import type { AccessExplanation, PolicyGrant } from '../policy/access-policy.ts';
import type { PersonModel } from '../db/prisma.ts';
import type { ScheduleException, ScheduleWindow } from '../policy/schedule.ts';
import { DoorRef } from './door.ts';
import { COMMON_ERRORS } from './errors.ts';
import { PersonRef } from './person.ts';

// Who may open which door when: groups, schedules, visitor passes and PINs. Read with people:read
// (administrators and viewers), changed by administrators.
const READ = { scope: 'people:read' } as const;
const ADMIN = { scope: 'admin' } as const;

type GroupModel = { id: string; name: string; createdAt: Date };
type ScheduleModel = { id: string; name: string; windows: string; exceptions: string };
type PassModel = {
  id: string;
  personId: string;
  validFrom: Date;
  validUntil: Date;
  doorIds: string;
  revokedAt: Date | null;
  createdAt: Date;
};

const ScheduleWindowRef = builder.objectRef<ScheduleWindow>('ScheduleWindow').implement({
  description:
    'Open from `from` to `to` (HH:MM, local time of the door) on the ISO weekdays listed (1 = Monday). A window ending before it starts runs past midnight.',
  fields: (t) => ({ days: t.exposeIntList('days'), from: t.exposeString('from'), to: t.exposeString('to') }),
});
const DayWindowRef = builder.objectRef<{ from: string; to: string }>('DayWindow').implement({
  fields: (t) => ({ from: t.exposeString('from'), to: t.exposeString('to') }),
});
const ScheduleExceptionRef = builder.objectRef<ScheduleException>('ScheduleException').implement({
  description: "A date's own windows instead of the weekly ones (a holiday: none, closed all day).",
  fields: (t) => ({ date: t.exposeString('date'), windows: t.field({ type: [DayWindowRef], resolve: (e) => e.windows }) }),
});

const ScheduleRef = builder.objectRef<ScheduleModel>('Schedule').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    windows: t.field({ type: [ScheduleWindowRef], resolve: (s, _, ctx) => ctx.services.policy.schedules.windows(s.windows) }),
    exceptions: t.field({ type: [ScheduleExceptionRef], resolve: (s, _, ctx) => ctx.services.policy.schedules.exceptions(s.exceptions) }),
  }),
});

const AccessGroupRef = builder.objectRef<GroupModel>('AccessGroup');

const GroupDoorRef = builder.objectRef<{ doorId: string; groupId: string; scheduleId: string | null }>('GroupDoor').implement({
  description: 'A group allowed at a door, within a schedule (none: at any time).',
  fields: (t) => ({
    door: t.field({ type: DoorRef, nullable: true, resolve: (g, _, ctx) => ctx.services.access.doors.get(g.doorId) }),
    group: t.field({ type: AccessGroupRef, nullable: true, resolve: (g, _, ctx) => ctx.services.policy.groups.get(g.groupId) }),
    schedule: t.field({
      type: ScheduleRef,
      nullable: true,
      resolve: (g, _, ctx) => (g.scheduleId ? ctx.services.policy.schedules.get(g.scheduleId) : null),
    }),
  }),
});

AccessGroupRef.implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    members: t.field({ type: [PersonRef], resolve: (g, _, ctx) => ctx.services.policy.groups.members(g.id) }),
    doors: t.field({ type: [GroupDoorRef], resolve: (g, _, ctx) => ctx.services.policy.groups.doors(g.id) }),
  }),
});

const VisitorPassRef = builder.objectRef<PassModel>('VisitorPass').implement({
  description: 'A visitor is let in only through a pass valid now that names the door (no doors: every door).',
  fields: (t) => ({
    id: t.exposeID('id'),
    personId: t.exposeID('personId'),
    validFrom: t.expose('validFrom', { type: 'DateTime' }),
    validUntil: t.expose('validUntil', { type: 'DateTime' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    doors: t.field({
      type: [DoorRef],
      resolve: async (p, _, ctx) => {
        const doors = await Promise.all(ctx.services.policy.passes.doorIds(p.doorIds).map((id) => ctx.services.access.doors.get(id)));
        return doors.filter((d) => d !== null);
      },
    }),
  }),
});

builder.objectFields(PersonRef, (t) => ({
  hasPin: t.boolean({
    nullable: true,
    description: 'Whether the person has a PIN for step-ups (the PIN itself is never readable).',
    authScopes: READ,
    unauthorizedResolver: () => null,
    resolve: (p) => p.pinHash !== null,
  }),
  groups: t.field({
    type: [AccessGroupRef],
    authScopes: READ,
    unauthorizedResolver: () => [],
    resolve: (p, _, ctx) => ctx.services.policy.groups.ofPerson(p.id),
  }),
  passes: t.field({
    type: [VisitorPassRef],
    authScopes: READ,
    unauthorizedResolver: () => [],
    resolve: (p, _, ctx) => ctx.services.policy.passes.ofPerson(p.id),
  }),
}));

builder.objectFields(DoorRef, (t) => ({
  groups: t.field({
    type: [GroupDoorRef],
    nullable: true,
    authScopes: READ,
    unauthorizedResolver: () => null,
    resolve: (d, _, ctx) => ctx.services.policy.groups.atDoor(d.id),
  }),
}));

const ScheduleRefusalRef = builder.objectRef<AccessExplanation['schedules'][number]>('ScheduleRefusal').implement({
  description: 'A schedule that would let the person in at this door, closed at the time asked.',
  fields: (t) => ({
    group: t.exposeString('group', { description: 'The group whose grant at this door it is.' }),
    schedule: t.exposeString('schedule'),
    specialDay: t.exposeString('specialDay', {
      nullable: true,
      description: 'YYYY-MM-DD: a special day (exception) of the schedule is in force that day.',
    }),
  }),
});

const AccessGrantRef = builder.objectRef<PolicyGrant>('AccessGrant').implement({
  description: 'What lets a person through a door: the door is open to everyone, a group allowed there, or a visitor pass.',
  fields: (t) => ({
    kind: t.string({ description: 'everyone, group or pass.', resolve: (g) => g.kind }),
    group: t.string({ nullable: true, description: 'group: its name.', resolve: (g) => (g.kind === 'group' ? g.group : null) }),
    schedule: t.string({
      nullable: true,
      description: 'group: the schedule it is allowed within, open then (null: at any time).',
      resolve: (g) => (g.kind === 'group' ? g.schedule : null),
    }),
    validFrom: t.field({ type: 'DateTime', nullable: true, resolve: (g) => (g.kind === 'pass' ? g.validFrom : null) }),
    validUntil: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'pass: until when.',
      resolve: (g) => (g.kind === 'pass' ? g.validUntil : null),
    }),
    everyDoor: t.boolean({
      nullable: true,
      description: 'pass: it names no door, so it opens every door.',
      resolve: (g) => (g.kind === 'pass' ? g.everyDoor : null),
    }),
  }),
});

const AccessVerdict = builder.objectRef<AccessExplanation>('AccessVerdict').implement({
  fields: (t) => ({
    allowed: t.exposeBoolean('allowed'),
    via: t.field({ type: [AccessGrantRef], description: 'Allowed: every rule that lets them in then.', resolve: (v) => [...v.via] }),
    reason: t.exposeString('reason', {
      nullable: true,
      description: 'inactive, not_allowed_here, outside_schedule, pass_expired, pass_not_yet_valid, pass_revoked',
    }),
    schedules: t.field({
      type: [ScheduleRefusalRef],
      description: 'outside_schedule: the schedules that would let them in here, each closed then.',
      resolve: (v) => [...v.schedules],
    }),
    nextAllowedAt: t.expose('nextAllowedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'outside_schedule or pass_not_yet_valid: when they may pass next (looked for up to about two months ahead).',
    }),
    timeZone: t.exposeString('timeZone', { nullable: true, description: "The door's time zone, in which its schedules are read." }),
  }),
});

type WhoMayPassModel = {
  doorId: string;
  at: Date;
  timeZone: string;
  allowed: (AccessExplanation & { person: PersonModel })[];
  refused: (AccessExplanation & { person: PersonModel })[];
};

const DoorPasserRef = builder.objectRef<AccessExplanation & { person: PersonModel }>('DoorPasser').implement({
  description: "One person's verdict at a door: what lets them in, or why not.",
  fields: (t) => ({
    person: t.field({ type: PersonRef, resolve: (v) => v.person }),
    verdict: t.field({ type: AccessVerdict, resolve: (v) => v }),
  }),
});

const WhoMayPassRef = builder.objectRef<WhoMayPassModel>('WhoMayPass').implement({
  description: 'Everyone at one door at one time, by the rules a door attempt applies (the face aside).',
  fields: (t) => ({
    door: t.field({ type: DoorRef, nullable: true, resolve: (w, _, ctx) => ctx.services.access.doors.get(w.doorId) }),
    at: t.expose('at', { type: 'DateTime' }),
    timeZone: t.exposeString('timeZone', { description: "The door's time zone, in which its schedules are read." }),
    allowed: t.field({
      type: [DoorPasserRef],
      description: 'Who may pass then, by name, each with what lets them in.',
      resolve: (w) => w.allowed,
    }),
    refused: t.field({ type: [DoorPasserRef], description: 'Who may not, by name, each with the reason.', resolve: (w) => w.refused }),
  }),
});

builder.queryFields((t) => ({
  whoMayPass: t.field({
    type: WhoMayPassRef,
    description:
      'Who may pass this door at this time (default: now), face aside, and why; who may not, and why. people:read (administrators, viewers): it tells no more than the groups, passes and accessCheck they read already. Door keys may not.',
    authScopes: READ,
    args: { doorId: t.arg.id({ required: true }), at: t.arg({ type: 'DateTime' }) },
    resolve: (_, args, ctx) => ctx.services.policy.whoMayPass(String(args.doorId), args.at ?? undefined),
  }),
  accessGroups: t.field({ type: [AccessGroupRef], authScopes: READ, resolve: (_, __, ctx) => ctx.services.policy.groups.list() }),
  schedules: t.field({ type: [ScheduleRef], authScopes: READ, resolve: (_, __, ctx) => ctx.services.policy.schedules.list() }),
  accessCheck: t.field({
    type: AccessVerdict,
    description: 'Would this person be let through this door at this time (default: now), face aside?',
    authScopes: READ,
    args: { personId: t.arg.id({ required: true }), doorId: t.arg.id({ required: true }), at: t.arg({ type: 'DateTime' }) },
    resolve: (_, args, ctx) => ctx.services.policy.explain(String(args.personId), String(args.doorId), args.at ?? undefined),
  }),
}));

const WindowInput = builder.inputType('ScheduleWindowInput', {
  fields: (t) => ({
    days: t.intList({ required: true, description: 'ISO weekdays, 1 = Monday ... 7 = Sunday.' }),
    from: t.string({ required: true }),
    to: t.string({ required: true }),
  }),
});
const DayWindowInput = builder.inputType('DayWindowInput', {
  fields: (t) => ({ from: t.string({ required: true }), to: t.string({ required: true }) }),
});
const ExceptionInput = builder.inputType('ScheduleExceptionInput', {
  fields: (t) => ({
    date: t.string({ required: true, description: 'YYYY-MM-DD, local to the door.' }),
    windows: t.field({ type: [DayWindowInput], description: 'That day’s windows; none = closed.' }),
  }),
});
const ScheduleInput = builder.inputType('ScheduleInput', {
  fields: (t) => ({ name: t.string(), windows: t.field({ type: [WindowInput] }), exceptions: t.field({ type: [ExceptionInput] }) }),
});

const ids = (list: readonly (string | number)[]) => list.map(String);

builder.mutationFields((t) => ({
  createAccessGroup: t.field({
    type: AccessGroupRef,
    authScopes: ADMIN,
    errors: { types: COMMON_ERRORS },
    args: { name: t.arg.string({ required: true }) },
    resolve: (_, { name }, ctx) => ctx.services.policy.groups.create(name),
  }),
  deleteAccessGroup: t.id({
    authScopes: ADMIN,
    errors: { types: COMMON_ERRORS },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => ctx.services.policy.groups.remove(String(id)),
  }),
  addGroupMembers: t.field({
    type: AccessGroupRef,
    authScopes: ADMIN,
    errors: { types: COMMON_ERRORS },
    args: { groupId: t.arg.id({ required: true }), personIds: t.arg.idList({ required: true }) },
    resolve: async (_, args, ctx) =>
      (await ctx.services.policy.groups.get(await ctx.services.policy.groups.addMembers(String(args.groupId), ids(args.personIds))))!,
  }),
  removeGroupMembers: t.field({
    type: AccessGroupRef,
    authScopes: ADMIN,
    errors: { types: COMMON_ERRORS },
    args: { groupId: t.arg.id({ required: true }), personIds: t.arg.idList({ required: true }) },
    resolve: async (_, args, ctx) =>
      (await ctx.services.policy.groups.get(await ctx.services.policy.groups.removeMembers(String(args.groupId), ids(args.personIds))))!,
  }),
  allowGroupAtDoor: t.field({
    type: AccessGroupRef,
    description:
      'Lets the group through the door within the schedule (none: at any time). The door must be set to access GROUPS for this to restrict it.',
    authScopes: ADMIN,
    errors: { types: COMMON_ERRORS },
    args: { groupId: t.arg.id({ required: true }), doorId: t.arg.id({ required: true }), scheduleId: t.arg.id() },
    resolve: async (_, args, ctx) =>
      (await ctx.services.policy.groups.get(
        await ctx.services.policy.groups.allowAtDoor(
          String(args.groupId),
          String(args.doorId),
          args.scheduleId ? String(args.scheduleId) : null,
        ),
      ))!,
  }),
  disallowGroupAtDoor: t.field({
    type: AccessGroupRef,
    nullable: true,
    authScopes: ADMIN,
    errors: { types: COMMON_ERRORS },
    args: { groupId: t.arg.id({ required: true }), doorId: t.arg.id({ required: true }) },
    resolve: async (_, args, ctx) =>
      ctx.services.policy.groups.get(await ctx.services.policy.groups.disallowAtDoor(String(args.groupId), String(args.doorId))),
  }),
  saveSchedule: t.field({
    type: ScheduleRef,
    description: 'Creates a schedule (no id) or changes one.',
    authScopes: ADMIN,
    errors: { types: COMMON_ERRORS },
    args: { id: t.arg.id(), input: t.arg({ type: ScheduleInput, required: true }) },
    resolve: (_, { id, input }, ctx) =>
      ctx.services.policy.schedules.save(id ? String(id) : null, {
        ...(input.name != null ? { name: input.name } : {}),
        ...(input.windows ? { windows: input.windows.map((w) => ({ days: [...w.days], from: w.from, to: w.to })) } : {}),
        ...(input.exceptions
          ? {
              exceptions: input.exceptions.map((e) => ({
                date: e.date,
                windows: (e.windows ?? []).map((w) => ({ from: w.from, to: w.to })),
              })),
            }
          : {}),
      }),
  }),
  deleteSchedule: t.id({
    authScopes: ADMIN,
    errors: { types: COMMON_ERRORS },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => ctx.services.policy.schedules.remove(String(id)),
  }),
  issueVisitorPass: t.field({
    type: VisitorPassRef,
    description: 'Makes the person a visitor let in from validFrom until validUntil, at the doors listed (none: every door).',
    authScopes: ADMIN,
    errors: { types: COMMON_ERRORS },
    args: {
      personId: t.arg.id({ required: true }),
      validFrom: t.arg({ type: 'DateTime', required: true }),
      validUntil: t.arg({ type: 'DateTime', required: true }),
      doorIds: t.arg.idList(),
    },
    resolve: (_, args, ctx) =>
      ctx.services.policy.passes.issue(String(args.personId), args.validFrom, args.validUntil, ids(args.doorIds ?? [])),
  }),
  revokeVisitorPass: t.field({
    type: VisitorPassRef,
    authScopes: ADMIN,
    errors: { types: COMMON_ERRORS },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => ctx.services.policy.passes.revoke(String(id)),
  }),
  setPersonPin: t.id({
    description: 'Sets the PIN that completes a step-up (4-12 digits, not 0000 or 1234). Stored hashed; never readable back.',
    authScopes: ADMIN,
    errors: { types: COMMON_ERRORS },
    args: { personId: t.arg.id({ required: true }), pin: t.arg.string({ required: true }) },
    resolve: (_, args, ctx) => ctx.services.policy.pins.set(String(args.personId), args.pin),
  }),
  clearPersonPin: t.id({
    authScopes: ADMIN,
    errors: { types: COMMON_ERRORS },
    args: { personId: t.arg.id({ required: true }) },
    resolve: (_, args, ctx) => ctx.services.policy.pins.clear(String(args.personId)),
  }),
}));
