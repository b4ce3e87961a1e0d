'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { explain, gql, isError } from '@/lib/api';
import { requireAdmin } from '@/lib/session';
import { parseSpecialDays, parseWeekly } from '@/lib/schedule-text';
import { refusalText } from './access-reasons';

export interface AccessState {
  ok?: boolean;
  message?: string;
  error?: string;
  at?: number;
  /** A door's new settings move its threshold far: the API's warnings, to read and confirm. */
  needsConfirmation?: string[];
  /** What was sent, shown again when a confirmation is asked for (a sent form is reset). */
  submitted?: Record<string, string>;
}

type Union = { __typename: string; code?: string; message?: string; data?: unknown; warnings?: string[] };

/** One admin mutation whose result is a union; the API's own validation comes back in words. */
async function mutate(field: string, query: string, variables: Record<string, unknown>, success: string): Promise<AccessState> {
  const guard = await requireAdmin();
  if (!guard.ok) return { error: guard.error };
  try {
    const result = (await gql<Record<string, Union>>(query, variables))[field]!;
    if (result.__typename === 'ConfirmationRequiredError')
      return {
        error: 'Not saved: this change moves the threshold far and needs a confirmation.',
        needsConfirmation: result.warnings ?? [],
        at: Date.now(),
      };
    if (isError(result)) return { error: result.message ?? 'Not saved.' };
    revalidatePath('/access');
    return { ok: true, message: success, at: Date.now() };
  } catch (error) {
    return { error: explain(error) };
  }
}

const issues = (e: z.ZodError) => e.issues.map((i) => i.message).join(' ');
const id = z.string().trim().min(1, 'Choose one.').max(64);
const name = z.string().trim().min(1, 'Give it a name.').max(200);
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'Times are HH:MM.');
/** An instant: the browser turns the datetime-local it shows (the viewer's own time zone) into ISO before sending. */
const instant = z.iso.datetime({ offset: true, error: 'Give a date and time.' });

const DoorPolicy = z.object({
  id,
  name: z.string(),
  timeZone: z.string().trim().min(1, 'Give a time zone such as Europe/Paris.').max(64),
  access: z.enum(['EVERYONE', 'GROUPS']),
  requirePin: z.boolean(),
  minFrames: z.enum(['', '1', '2', '3', '4', '5']).transform((v) => (v === '' ? null : Number(v))),
  liveness: z.enum(['', 'OFF', 'BALANCED', 'STRICT']).transform((v) => (v === '' ? null : v)),
  falseAcceptOneIn: z.enum(['', '1000', '10000', '100000', '1000000']).transform((v) => (v === '' ? null : 1 / Number(v))),
  thresholdOverride: z
    .string()
    .trim()
    .transform((v) => (v === '' ? null : Number(v)))
    .pipe(
      z
        .number({ error: 'The fixed threshold is a number.' })
        .min(0.05, 'A fixed threshold is between 0.05 and 1.5.')
        .max(1.5, 'A fixed threshold is between 0.05 and 1.5.')
        .nullable(),
    ),
  stepUp: z.enum(['', 'true', 'false']).transform((v) => (v === '' ? null : v === 'true')),
  livenessLivePoint: z
    .string()
    .trim()
    .transform((v) => (v === '' ? null : Number(v)))
    .pipe(
      z
        .number({ error: 'The live point is a number.' })
        .gt(0, 'A live point is between 0 and 1.')
        .lt(1, 'A live point is between 0 and 1.')
        .nullable(),
    ),
});

export async function saveDoorPolicy(_s: AccessState, form: FormData): Promise<AccessState> {
  const parsed = DoorPolicy.safeParse({
    id: form.get('id'),
    name: form.get('name') ?? '',
    timeZone: form.get('timeZone'),
    access: form.get('access'),
    requirePin: form.get('requirePin') === 'on',
    minFrames: form.get('minFrames') ?? '',
    liveness: form.get('liveness') ?? '',
    falseAcceptOneIn: form.get('falseAcceptOneIn') ?? '',
    thresholdOverride: form.get('thresholdOverride') ?? '',
    stepUp: form.get('stepUp') ?? '',
    livenessLivePoint: form.get('livenessLivePoint') ?? '',
  });
  if (!parsed.success) return { error: issues(parsed.error) };
  const {
    id: doorId,
    name: doorName,
    timeZone,
    access,
    requirePin,
    minFrames,
    liveness,
    falseAcceptOneIn,
    thresholdOverride,
    stepUp,
    livenessLivePoint,
  } = parsed.data;
  const settings = {
    ...(requirePin ? { requirePin } : {}),
    ...(minFrames ? { minFrames } : {}),
    ...(liveness ? { liveness } : {}),
    ...(falseAcceptOneIn ? { falseAcceptRate: falseAcceptOneIn } : {}),
    ...(thresholdOverride !== null ? { thresholdOverride } : {}),
    ...(stepUp !== null ? { stepUp } : {}),
    ...(livenessLivePoint !== null ? { livenessLivePoint } : {}),
  };
  const saved = await mutate(
    'updateDoor',
    `mutation ($id: ID!, $input: DoorInput!, $confirm: Boolean) { updateDoor(id: $id, input: $input, confirmLargeChange: $confirm) { __typename ... on MutationUpdateDoorSuccess { data { id } } ... on ConfirmationRequiredError { warnings } ... on Error { code message } } }`,
    { id: doorId, input: { timeZone, access, settings }, confirm: form.get('confirmLargeChange') === 'on' },
    `Door “${doorName}” saved.`,
  );
  if (!saved.needsConfirmation) return saved;
  const text = (key: string) => String(form.get(key) ?? '');
  return {
    ...saved,
    submitted: Object.fromEntries(
      [
        'timeZone',
        'access',
        'falseAcceptOneIn',
        'thresholdOverride',
        'stepUp',
        'minFrames',
        'liveness',
        'livenessLivePoint',
        'requirePin',
      ].map((k) => [k, text(k)]),
    ),
  };
}

const DAYS = ['1', '2', '3', '4', '5', '6', '7'] as const;
const Schedule = z.object({
  name,
  days: z.array(z.enum(DAYS)).min(1, 'Tick at least one day.'),
  from: hhmm,
  to: hhmm,
  holidays: z.string().max(20_000),
});

export async function createSchedule(_s: AccessState, form: FormData): Promise<AccessState> {
  const parsed = Schedule.safeParse({
    name: form.get('name'),
    days: form.getAll('days'),
    from: form.get('from'),
    to: form.get('to'),
    holidays: form.get('holidays') ?? '',
  });
  if (!parsed.success) return { error: issues(parsed.error) };
  const { name: scheduleName, days, from, to, holidays } = parsed.data;
  const special = parseSpecialDays(holidays);
  if (!special.ok) return { error: special.error };
  return mutate(
    'saveSchedule',
    `mutation ($input: ScheduleInput!) { saveSchedule(input: $input) { __typename ... on MutationSaveScheduleSuccess { data { id } } ... on Error { code message } } }`,
    { input: { name: scheduleName, windows: [{ days: days.map(Number), from, to }], exceptions: special.value } },
    `Schedule “${scheduleName}” added.`,
  );
}

/** Changes a schedule: its name, weekly hours (several lines) and special days (closed, or their own hours). */
export async function editSchedule(_s: AccessState, form: FormData): Promise<AccessState> {
  const parsed = z
    .object({ id, name, weekly: z.string().max(20_000), special: z.string().max(20_000) })
    .safeParse({ id: form.get('id'), name: form.get('name'), weekly: form.get('weekly') ?? '', special: form.get('special') ?? '' });
  if (!parsed.success) return { error: issues(parsed.error) };
  const weekly = parseWeekly(parsed.data.weekly);
  if (!weekly.ok) return { error: weekly.error };
  const special = parseSpecialDays(parsed.data.special);
  if (!special.ok) return { error: special.error };
  return mutate(
    'saveSchedule',
    `mutation ($id: ID, $input: ScheduleInput!) { saveSchedule(id: $id, input: $input) { __typename ... on MutationSaveScheduleSuccess { data { id } } ... on Error { code message } } }`,
    { id: parsed.data.id, input: { name: parsed.data.name, windows: weekly.value, exceptions: special.value } },
    `Schedule “${parsed.data.name}” saved.`,
  );
}

export async function deleteSchedule(_s: AccessState, form: FormData): Promise<AccessState> {
  const parsed = z.object({ id }).safeParse({ id: form.get('id') });
  if (!parsed.success) return { error: issues(parsed.error) };
  return mutate(
    'deleteSchedule',
    `mutation ($id: ID!) { deleteSchedule(id: $id) { __typename ... on Error { code message } } }`,
    parsed.data,
    'Schedule deleted.',
  );
}

export async function createGroup(_s: AccessState, form: FormData): Promise<AccessState> {
  const parsed = z.object({ name }).safeParse({ name: form.get('name') });
  if (!parsed.success) return { error: issues(parsed.error) };
  return mutate(
    'createAccessGroup',
    `mutation ($name: String!) { createAccessGroup(name: $name) { __typename ... on Error { code message } } }`,
    parsed.data,
    `Group “${parsed.data.name}” added.`,
  );
}

export async function deleteGroup(_s: AccessState, form: FormData): Promise<AccessState> {
  const parsed = z.object({ id }).safeParse({ id: form.get('id') });
  if (!parsed.success) return { error: issues(parsed.error) };
  return mutate(
    'deleteAccessGroup',
    `mutation ($id: ID!) { deleteAccessGroup(id: $id) { __typename ... on Error { code message } } }`,
    parsed.data,
    'Group deleted.',
  );
}

/** Adds (or, with remove=1, removes) every person ticked, in one mutation: all of them, or none on an error. */
export async function changeMembers(_s: AccessState, form: FormData): Promise<AccessState> {
  const parsed = z
    .object({
      groupId: id,
      groupName: z.string().max(200),
      personIds: z.array(id).min(1, 'Tick at least one person.').max(100, 'Tick at most 100 people at a time.'),
      remove: z.boolean(),
    })
    .safeParse({
      groupId: form.get('groupId'),
      groupName: form.get('groupName') ?? '',
      personIds: form.getAll('personIds'),
      remove: form.get('remove') === '1',
    });
  if (!parsed.success) return { error: issues(parsed.error) };
  const { groupId, groupName, personIds, remove } = parsed.data;
  const field = remove ? 'removeGroupMembers' : 'addGroupMembers';
  const people = personIds.length === 1 ? '1 person' : `${personIds.length} people`;
  return mutate(
    field,
    `mutation ($g: ID!, $p: [ID!]!) { ${field}(groupId: $g, personIds: $p) { __typename ... on Error { code message } } }`,
    { g: groupId, p: personIds },
    remove ? `Removed ${people} from “${groupName}”.` : `Added ${people} to “${groupName}”.`,
  );
}

export async function changeGrant(_s: AccessState, form: FormData): Promise<AccessState> {
  const parsed = z.object({ groupId: id, doorId: id, scheduleId: z.string().max(64), remove: z.boolean() }).safeParse({
    groupId: form.get('groupId'),
    doorId: form.get('doorId'),
    scheduleId: form.get('scheduleId') ?? '',
    remove: form.get('remove') === '1',
  });
  if (!parsed.success) return { error: issues(parsed.error) };
  const { groupId, doorId, scheduleId, remove } = parsed.data;
  if (remove)
    return mutate(
      'disallowGroupAtDoor',
      `mutation ($g: ID!, $d: ID!) { disallowGroupAtDoor(groupId: $g, doorId: $d) { __typename ... on Error { code message } } }`,
      { g: groupId, d: doorId },
      'The group may no longer use that door.',
    );
  return mutate(
    'allowGroupAtDoor',
    `mutation ($g: ID!, $d: ID!, $s: ID) { allowGroupAtDoor(groupId: $g, doorId: $d, scheduleId: $s) { __typename ... on Error { code message } } }`,
    { g: groupId, d: doorId, s: scheduleId || null },
    scheduleId ? 'Allowed within the schedule.' : 'Allowed at any time.',
  );
}

export async function issuePass(_s: AccessState, form: FormData): Promise<AccessState> {
  const parsed = z.object({ personId: id, validFrom: instant, validUntil: instant, doorIds: z.array(id).max(100) }).safeParse({
    personId: form.get('personId'),
    validFrom: form.get('validFrom'),
    validUntil: form.get('validUntil'),
    doorIds: form.getAll('doorIds'),
  });
  if (!parsed.success) return { error: issues(parsed.error) };
  return mutate(
    'issueVisitorPass',
    `mutation ($personId: ID!, $validFrom: DateTime!, $validUntil: DateTime!, $doorIds: [ID!]) { issueVisitorPass(personId: $personId, validFrom: $validFrom, validUntil: $validUntil, doorIds: $doorIds) { __typename ... on Error { code message } } }`,
    parsed.data,
    'Visitor pass issued.',
  );
}

export async function revokePass(_s: AccessState, form: FormData): Promise<AccessState> {
  const parsed = z.object({ id }).safeParse({ id: form.get('id') });
  if (!parsed.success) return { error: issues(parsed.error) };
  return mutate(
    'revokeVisitorPass',
    `mutation ($id: ID!) { revokeVisitorPass(id: $id) { __typename ... on Error { code message } } }`,
    parsed.data,
    'Pass revoked.',
  );
}

export async function setPin(_s: AccessState, form: FormData): Promise<AccessState> {
  const parsed = z
    .object({
      personId: id,
      pin: z
        .string()
        .regex(/^\d{4,12}$/, 'A PIN is 4 to 12 digits.')
        .or(z.literal('')),
    })
    .safeParse({ personId: form.get('personId'), pin: form.get('pin') ?? '' });
  if (!parsed.success) return { error: issues(parsed.error) };
  if (parsed.data.pin === '')
    return mutate(
      'clearPersonPin',
      `mutation ($p: ID!) { clearPersonPin(personId: $p) { __typename ... on Error { code message } } }`,
      { p: parsed.data.personId },
      'PIN removed.',
    );
  return mutate(
    'setPersonPin',
    `mutation ($p: ID!, $pin: String!) { setPersonPin(personId: $p, pin: $pin) { __typename ... on Error { code message } } }`,
    { p: parsed.data.personId, pin: parsed.data.pin },
    'PIN set.',
  );
}

export interface CheckState {
  error?: string;
  /** `at` tells two answers of the same words apart (each check is a new answer). */
  verdict?: {
    allowed: boolean;
    text: string;
    at: number;
    /** outside_schedule: the rules that would let them in, closed then. */
    schedules?: { group: string; schedule: string; specialDay: string | null }[];
    /** When they may pass next (ISO), in the door's time zone too. */
    nextAllowedAt?: string | null;
    timeZone?: string | null;
  };
  /** What was asked, shown again in the form (a sent form is reset). */
  submitted?: { personId: string; doorId: string; atLocal: string };
}

/** Would this person be let through this door then (the face aside)? Reads only. */
export async function checkAccess(_s: CheckState, form: FormData): Promise<CheckState> {
  const submitted = {
    personId: String(form.get('personId') ?? ''),
    doorId: String(form.get('doorId') ?? ''),
    atLocal: String(form.get('atLocal') ?? ''),
  };
  const parsed = z
    .object({ personId: id, doorId: id, at: instant.or(z.literal('')) })
    .safeParse({ personId: form.get('personId'), doorId: form.get('doorId'), at: form.get('at') ?? '' });
  if (!parsed.success) return { error: issues(parsed.error), submitted };
  const { personId, doorId, at } = parsed.data;
  try {
    const { accessCheck } = await gql<{
      accessCheck: {
        allowed: boolean;
        reason: string | null;
        schedules: { group: string; schedule: string; specialDay: string | null }[];
        nextAllowedAt: string | null;
        timeZone: string | null;
      };
    }>(
      `query ($p: ID!, $d: ID!, $at: DateTime) { accessCheck(personId: $p, doorId: $d, at: $at) { allowed reason schedules { group schedule specialDay } nextAllowedAt timeZone } }`,
      { p: personId, d: doorId, at: at || null },
    );
    const when = at ? 'then' : 'now';
    if (accessCheck.allowed) return { verdict: { allowed: true, text: `Let in ${when}, if the face matches.`, at: Date.now() }, submitted };
    return {
      verdict: {
        allowed: false,
        text: `Refused ${when}: ${refusalText(accessCheck.reason)}.`,
        at: Date.now(),
        schedules: accessCheck.schedules,
        nextAllowedAt: accessCheck.nextAllowedAt,
        timeZone: accessCheck.timeZone,
      },
      submitted,
    };
  } catch (error) {
    return { error: explain(error), submitted };
  }
}
