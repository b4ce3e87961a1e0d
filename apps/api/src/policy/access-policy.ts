import { z } from 'zod';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import type { Prisma } from '../db/prisma.ts';
import { doorSettingsSchema, parseDoorSettings } from './door-settings.ts';
import { hashPin } from './pin.ts';
import { exceptionsSchema, isTimeZone, windowsSchema, type ScheduleException, type ScheduleWindow } from './schedule.ts';
import {
  explainAccess,
  evaluateAccess,
  jsonArray,
  personAccessSelect,
  type AccessExplanation,
  type DoorAccess,
  type DoorRules,
  type PolicyVerdict,
} from './access-verdict.ts';

// The verdict itself (evaluateAccess, the one a door attempt applies) lives in access-verdict.ts.
export {
  evaluateAccess,
  explainAccess,
  personAccessSelect,
  type AccessExplanation,
  type DoorAccess,
  type DoorRules,
  type PersonAccess,
  type PolicyGrant,
  type PolicyRefusal,
  type PolicyVerdict,
} from './access-verdict.ts';

const name = z.string().trim().min(1, 'a name is required').max(200, 'a name has at most 200 characters');
const timeZone = z.string().refine(isTimeZone, 'not an IANA time zone (e.g. Europe/Paris, America/New_York, UTC)');

export const doorPatchSchema = z
  .object({
    name,
    location: z.string().max(500).nullable(),
    timeZone,
    access: z.enum(['everyone', 'groups']),
    settings: doorSettingsSchema,
  })
  .partial();
export type DoorPatch = z.infer<typeof doorPatchSchema>;

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new InvalidInputError(
      parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '),
    );
  return parsed.data;
}

export function createAccessPolicy(prisma: Prisma, options: { now: () => Date }) {
  async function exists(kind: 'person' | 'door' | 'group' | 'schedule', id: string) {
    const found =
      kind === 'person'
        ? await prisma.person.findUnique({ where: { id }, select: { id: true } })
        : kind === 'door'
          ? await prisma.door.findUnique({ where: { id }, select: { id: true } })
          : kind === 'group'
            ? await prisma.accessGroup.findUnique({ where: { id }, select: { id: true } })
            : await prisma.schedule.findUnique({ where: { id }, select: { id: true } });
    if (!found) throw new NotFoundError(kind === 'group' ? 'access group' : kind);
  }

  /** A door's rules, one read per attempt; null for no door (an administrator's test) or an unknown one. */
  async function door(doorId: string | null): Promise<DoorRules | null> {
    if (!doorId) return null;
    // Raw SQL (the same on SQLite and PostgreSQL): read on every door attempt, and Prisma's query compiler
    // costs about three times the query itself.
    const [row] = await prisma.$queryRaw<
      { name: string; settings: string; access: string; timeZone: string }[]
    >`SELECT "name", "settings", "access", "timeZone" FROM "Door" WHERE "id" = ${doorId}`;
    return row
      ? { name: row.name, settings: parseDoorSettings(row.settings), access: row.access as DoorAccess, timeZone: row.timeZone }
      : null;
  }

  return {
    /**
     * Whether `personId` may pass `doorId` at `at` (no door: an administrator's test, only activity and
     * passes count). `rules`: the door's, when the caller has read them already.
     */
    async check(personId: string, doorId: string | null, at: Date = options.now(), rules?: DoorRules | null): Promise<PolicyVerdict> {
      const person = await prisma.person.findUnique({ where: { id: personId }, select: personAccessSelect(doorId) });
      return evaluateAccess(person, rules !== undefined ? rules : await door(doorId), doorId, at);
    },

    door,

    /** The verdict with what an administrator needs to act on it: what lets them in, or which schedules, which special day, and when next. */
    async explain(personId: string, doorId: string, at: Date = options.now()): Promise<AccessExplanation> {
      const rules = await door(doorId);
      const person = await prisma.person.findUnique({ where: { id: personId }, select: personAccessSelect(doorId) });
      return explainAccess(person, rules, doorId, at);
    },

    /**
     * Everyone's verdict at this door at `at` (default: now), by the rules a door attempt applies
     * (evaluateAccess): who may pass and what lets them in, who may not and why. People by name.
     */
    async whoMayPass(doorId: string, at: Date = options.now()) {
      const rules = await door(doorId);
      if (!rules) throw new NotFoundError('door');
      const { active: _, ...relations } = personAccessSelect(doorId);
      const people = await prisma.person.findMany({ include: relations, orderBy: { name: 'asc' } });
      const verdicts = people.map(({ passes, groups, ...person }) => ({
        person,
        ...explainAccess({ active: person.active, passes, groups }, rules, doorId, at),
      }));
      return {
        doorId,
        at,
        timeZone: rules.timeZone,
        access: rules.access,
        allowed: verdicts.filter((v) => v.allowed),
        refused: verdicts.filter((v) => !v.allowed),
      };
    },

    async configureDoor(id: string, patch: DoorPatch) {
      await exists('door', id);
      const { settings, ...rest } = parse(doorPatchSchema, patch);
      if (rest.name && (await prisma.door.findFirst({ where: { name: rest.name, id: { not: id } } })))
        throw new InvalidInputError(`a door named ${rest.name} exists already`);
      return prisma.door.update({ where: { id }, data: { ...rest, ...(settings ? { settings: JSON.stringify(settings) } : {}) } });
    },

    groups: {
      list: () => prisma.accessGroup.findMany({ orderBy: { name: 'asc' } }),
      get: (id: string) => prisma.accessGroup.findUnique({ where: { id } }),
      async create(groupName: string) {
        const value = parse(name, groupName);
        if (await prisma.accessGroup.findUnique({ where: { name: value } }))
          throw new InvalidInputError(`a group named ${value} exists already`);
        return prisma.accessGroup.create({ data: { name: value } });
      },
      async remove(id: string) {
        await exists('group', id);
        await prisma.accessGroup.delete({ where: { id } });
        return id;
      },
      members: (groupId: string) => prisma.person.findMany({ where: { groups: { some: { groupId } } }, orderBy: { name: 'asc' } }),
      doors: (groupId: string) =>
        prisma.groupDoor.findMany({ where: { groupId }, include: { door: true, schedule: true }, orderBy: { createdAt: 'asc' } }),
      ofPerson: (personId: string) => prisma.accessGroup.findMany({ where: { members: { some: { personId } } }, orderBy: { name: 'asc' } }),
      atDoor: (doorId: string) =>
        prisma.groupDoor.findMany({ where: { doorId }, include: { group: true, schedule: true }, orderBy: { createdAt: 'asc' } }),
      /**
       * Adds several people at once, in one transaction: an unknown group or person id is a NotFoundError
       * naming it, and nobody is added. Those already members stay as they are.
       */
      async addMembers(groupId: string, personIds: readonly string[]) {
        const unique = [...new Set(personIds)];
        await prisma.$transaction(async (tx) => {
          if (!(await tx.accessGroup.findUnique({ where: { id: groupId }, select: { id: true } }))) throw new NotFoundError('access group');
          const found = new Set((await tx.person.findMany({ where: { id: { in: unique } }, select: { id: true } })).map((p) => p.id));
          const unknown = unique.filter((id) => !found.has(id));
          if (unknown.length > 0) throw new NotFoundError(`${unknown.length === 1 ? 'person' : 'people'} ${unknown.join(', ')}`);
          const members = await tx.groupMember.findMany({ where: { groupId, personId: { in: unique } }, select: { personId: true } });
          const already = new Set(members.map((m) => m.personId));
          // Members already are left out (SQLite's createMany has no skipDuplicates).
          await tx.groupMember.createMany({ data: unique.filter((id) => !already.has(id)).map((personId) => ({ groupId, personId })) });
        });
        return groupId;
      },
      async removeMembers(groupId: string, personIds: readonly string[]) {
        await exists('group', groupId);
        await prisma.groupMember.deleteMany({ where: { groupId, personId: { in: [...personIds] } } });
        return groupId;
      },
      /** Lets the group through the door, within the schedule (null: at any time). */
      async allowAtDoor(groupId: string, doorId: string, scheduleId: string | null) {
        await exists('group', groupId);
        await exists('door', doorId);
        if (scheduleId) await exists('schedule', scheduleId);
        await prisma.groupDoor.upsert({
          where: { groupId_doorId: { groupId, doorId } },
          create: { groupId, doorId, scheduleId },
          update: { scheduleId },
        });
        return groupId;
      },
      async disallowAtDoor(groupId: string, doorId: string) {
        await prisma.groupDoor.deleteMany({ where: { groupId, doorId } });
        return groupId;
      },
    },

    schedules: {
      list: () => prisma.schedule.findMany({ orderBy: { name: 'asc' } }),
      get: (id: string) => prisma.schedule.findUnique({ where: { id } }),
      async save(id: string | null, input: { name?: string; windows?: ScheduleWindow[]; exceptions?: ScheduleException[] }) {
        const data = {
          ...(input.name !== undefined ? { name: parse(name, input.name) } : {}),
          ...(input.windows !== undefined ? { windows: JSON.stringify(parse(windowsSchema, input.windows)) } : {}),
          ...(input.exceptions !== undefined ? { exceptions: JSON.stringify(parse(exceptionsSchema, input.exceptions)) } : {}),
        };
        if (data.name && (await prisma.schedule.findFirst({ where: { name: data.name, ...(id ? { id: { not: id } } : {}) } })))
          throw new InvalidInputError(`a schedule named ${data.name} exists already`);
        if (id) {
          await exists('schedule', id);
          return prisma.schedule.update({ where: { id }, data });
        }
        if (!data.name) throw new InvalidInputError('a schedule needs a name');
        return prisma.schedule.create({ data: { name: data.name, windows: data.windows ?? '[]', exceptions: data.exceptions ?? '[]' } });
      },
      async remove(id: string) {
        await exists('schedule', id);
        const used = await prisma.groupDoor.count({ where: { scheduleId: id } });
        if (used > 0) throw new InvalidInputError(`this schedule is used by ${used} group-door rule(s): change them first`);
        await prisma.schedule.delete({ where: { id } });
        return id;
      },
      windows: (json: string) => windowsSchema.parse(JSON.parse(json)),
      exceptions: (json: string) => exceptionsSchema.parse(JSON.parse(json)),
    },

    passes: {
      ofPerson: (personId: string) => prisma.visitorPass.findMany({ where: { personId }, orderBy: { validFrom: 'desc' } }),
      doorIds: (json: string) => jsonArray(json),
      async issue(personId: string, validFrom: Date, validUntil: Date, doorIds: readonly string[]) {
        await exists('person', personId);
        if (!(validUntil > validFrom)) throw new InvalidInputError('a pass must end after it starts');
        if (validUntil.getTime() - validFrom.getTime() > 366 * 86_400_000)
          throw new InvalidInputError('a visitor pass lasts at most a year');
        for (const doorId of doorIds) await exists('door', doorId);
        return prisma.visitorPass.create({ data: { personId, validFrom, validUntil, doorIds: JSON.stringify([...new Set(doorIds)]) } });
      },
      async revoke(id: string) {
        const pass = await prisma.visitorPass.findUnique({ where: { id } });
        if (!pass) throw new NotFoundError('visitor pass');
        return pass.revokedAt ? pass : prisma.visitorPass.update({ where: { id }, data: { revokedAt: options.now() } });
      },
    },

    pins: {
      async set(personId: string, pin: string) {
        await exists('person', personId);
        await prisma.person.update({ where: { id: personId }, data: { pinHash: await hashPin(pin) } });
        return personId;
      },
      async clear(personId: string) {
        await exists('person', personId);
        await prisma.person.update({ where: { id: personId }, data: { pinHash: null } });
        return personId;
      },
    },
  };
}

export type AccessPolicy = ReturnType<typeof createAccessPolicy>;
