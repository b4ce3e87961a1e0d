import type { DoorSettings } from './door-settings.ts';
import { exceptionAt, exceptionsSchema, isOpenAt, nextOpening, windowsSchema } from './schedule.ts';

/**
 * Who may open which door when, evaluated after the face decision. A door is open to every active
 * person (`everyone`, the default) or only to the groups allowed there (`groups`), each within its
 * schedule. A person with visitor passes is a visitor: let in only through a pass valid now that names
 * the door, whatever the groups. The answer names why a door stays shut.
 */
export type DoorAccess = 'everyone' | 'groups';
export type PolicyRefusal = 'inactive' | 'not_allowed_here' | 'outside_schedule' | 'pass_expired' | 'pass_not_yet_valid' | 'pass_revoked';
/** What lets a person in: the door is open to everyone, a group allowed there (within a schedule or at any time), or a visitor pass. */
export type PolicyGrant =
  | { readonly kind: 'everyone' }
  | { readonly kind: 'group'; readonly group: string; readonly schedule: string | null }
  | { readonly kind: 'pass'; readonly validFrom: Date; readonly validUntil: Date; readonly everyDoor: boolean };
/** `via`: every rule that lets them in then (absent when a door attempt lets them in on another's behalf, a step-up's rival). */
export type PolicyVerdict =
  { readonly allowed: true; readonly via?: readonly PolicyGrant[] } | { readonly allowed: false; readonly reason: PolicyRefusal };

const allowedVia = (via: readonly PolicyGrant[]): PolicyVerdict => ({ allowed: true, via });
const refused = (reason: PolicyRefusal): PolicyVerdict => ({ allowed: false, reason });

export const jsonArray = (text: string): string[] => {
  const value = JSON.parse(text) as unknown;
  return Array.isArray(value) ? value.map(String) : [];
};

/** A door's rules as an attempt needs them: its decision settings, who may pass, in which time zone. */
export interface DoorRules {
  /** The door's name (an attempt's audit event keeps it). */
  readonly name: string;
  readonly settings: DoorSettings;
  readonly access: DoorAccess;
  readonly timeZone: string;
}

/**
 * What the policy reads of a person for one door, as a Prisma select: a caller that reads the person
 * anyway (verification reads the claimed one) spreads it into its own query, one read instead of two.
 */
export function personAccessSelect(doorId: string | null) {
  return {
    active: true,
    passes: { select: { validFrom: true, validUntil: true, doorIds: true, revokedAt: true } },
    groups: {
      select: {
        group: {
          select: {
            name: true,
            doors: { where: { doorId: doorId ?? '' }, select: { schedule: { select: { name: true, windows: true, exceptions: true } } } },
          },
        },
      },
    },
  } as const;
}

export interface PersonAccess {
  readonly active: boolean;
  readonly passes: readonly { validFrom: Date; validUntil: Date; doorIds: string; revokedAt: Date | null }[];
  readonly groups: readonly {
    group: { name?: string; doors: readonly { schedule: { name?: string; windows: string; exceptions: string } | null }[] };
  }[];
}

/** accessCheck's answer: the verdict and, for a refusal, the rules behind it and when the person may pass next. */
export interface AccessExplanation {
  readonly allowed: boolean;
  readonly reason: PolicyRefusal | null;
  /** Allowed: every rule that lets them in then. */
  readonly via: readonly PolicyGrant[];
  /** outside_schedule: each group's schedule at this door, and the special day (exception) in force then, if any. */
  readonly schedules: readonly { group: string; schedule: string; specialDay: string | null }[];
  /** The next instant the person may pass (within about two months), when the refusal is of time: a schedule or a pass not valid yet. */
  readonly nextAllowedAt: Date | null;
  /** The door's time zone, in which the schedules are read. */
  readonly timeZone: string | null;
}

/** The verdict for a person (read with personAccessSelect(doorId); null: unknown) at a door at `at`, and what lets them in. */
export function evaluateAccess(
  person: PersonAccess | null,
  door: Pick<DoorRules, 'access' | 'timeZone'> | null,
  doorId: string | null,
  at: Date,
): PolicyVerdict {
  if (!person || !person.active) return refused('inactive');
  if (person.passes.length > 0) {
    const here = person.passes.filter((p) => {
      const doors = jsonArray(p.doorIds);
      return doors.length === 0 || (doorId !== null && doors.includes(doorId));
    });
    const valid = here.filter((p) => !p.revokedAt && p.validFrom <= at && at < p.validUntil);
    if (valid.length > 0)
      return allowedVia(
        valid.map((p) => ({
          kind: 'pass',
          validFrom: p.validFrom,
          validUntil: p.validUntil,
          everyDoor: jsonArray(p.doorIds).length === 0,
        })),
      );
    if (here.length === 0) return refused('not_allowed_here');
    const live = here.filter((p) => !p.revokedAt);
    if (live.length === 0) return refused('pass_revoked');
    return refused(live.some((p) => at < p.validFrom) ? 'pass_not_yet_valid' : 'pass_expired');
  }

  if (!door || door.access === 'everyone') return allowedVia([{ kind: 'everyone' }]);
  const grants = person.groups.flatMap((g) => g.group.doors.map((d) => ({ group: g.group.name ?? '', schedule: d.schedule })));
  if (grants.length === 0) return refused('not_allowed_here');
  const open = grants.filter(
    (g) =>
      !g.schedule ||
      isOpenAt(
        {
          windows: windowsSchema.parse(JSON.parse(g.schedule.windows)),
          exceptions: exceptionsSchema.parse(JSON.parse(g.schedule.exceptions)),
        },
        door.timeZone,
        at,
      ),
  );
  return open.length > 0
    ? allowedVia(open.map((g) => ({ kind: 'group', group: g.group, schedule: g.schedule?.name ?? null })))
    : refused('outside_schedule');
}

/**
 * evaluateAccess's verdict with what an administrator needs to act on it: what lets them in, or for a
 * refusal which schedules, which special day, and when they may pass next. accessCheck and whoMayPass.
 */
export function explainAccess(person: PersonAccess | null, rules: DoorRules | null, doorId: string, at: Date): AccessExplanation {
  const verdict = evaluateAccess(person, rules, doorId, at);
  const base = {
    allowed: verdict.allowed,
    reason: verdict.allowed ? null : verdict.reason,
    via: verdict.allowed ? (verdict.via ?? []) : [],
    schedules: [],
    nextAllowedAt: null,
    timeZone: rules?.timeZone ?? null,
  };
  if (verdict.allowed || !person || !rules) return base;
  if (verdict.reason === 'outside_schedule') {
    const schedules = person.groups.flatMap((g) =>
      g.group.doors.flatMap((d) =>
        d.schedule
          ? [
              {
                group: g.group.name ?? '',
                name: d.schedule.name ?? '',
                windows: windowsSchema.parse(JSON.parse(d.schedule.windows)),
                exceptions: exceptionsSchema.parse(JSON.parse(d.schedule.exceptions)),
              },
            ]
          : [],
      ),
    );
    const next = schedules.map((s) => nextOpening(s, rules.timeZone, at)).filter((d): d is Date => d !== null);
    return {
      ...base,
      schedules: schedules.map((s) => ({
        group: s.group,
        schedule: s.name,
        specialDay: exceptionAt(s, rules.timeZone, at)?.date ?? null,
      })),
      nextAllowedAt: next.length > 0 ? new Date(Math.min(...next.map((d) => d.getTime()))) : null,
    };
  }
  if (verdict.reason === 'pass_not_yet_valid') {
    const upcoming = person.passes.filter((p) => {
      const doors = jsonArray(p.doorIds);
      return !p.revokedAt && at < p.validFrom && (doors.length === 0 || doors.includes(doorId));
    });
    return { ...base, nextAllowedAt: upcoming.length > 0 ? new Date(Math.min(...upcoming.map((p) => p.validFrom.getTime()))) : null };
  }
  return base;
}
