import { DOOR_CALIBRATION_STEP_UP, type LivenessPoints } from '@facegate/face-core';
import { builder } from '../builder.ts';
import { CALIBRATION_MIN_ATTEMPTS, type DoorLivenessCalibration } from '../liveness/door-calibration.ts';
import { can } from '../auth/viewer.ts';
import { parseDoorSettings, settingsAtDoor, type DoorSettings } from '../policy/door-settings.ts';
import type { DoorModel } from '../db/prisma.ts';
import { ConfirmationRequiredError } from '../errors.ts';
import { COMMON_ERRORS } from './errors.ts';
import { LivenessMode } from './settings.ts';

export const DoorRef = builder.objectRef<DoorModel>('Door');

const DoorAccess = builder.enumType('DoorAccess', {
  description:
    'EVERYONE: every active person (visitors: with a pass for this door). GROUPS: only members of the groups allowed here, within their schedules.',
  values: { EVERYONE: { value: 'everyone' }, GROUPS: { value: 'groups' } } as const,
});

const DoorSettingsRef = builder.objectRef<DoorSettings & { threshold: number }>('DoorSettings').implement({
  description: "A door's own decision settings; null = the global setting.",
  fields: (t) => ({
    falseAcceptRate: t.float({ nullable: true, resolve: (s) => s.falseAcceptRate ?? null }),
    thresholdOverride: t.float({ nullable: true, resolve: (s) => s.thresholdOverride ?? null }),
    stepUp: t.boolean({ nullable: true, resolve: (s) => s.stepUp ?? null }),
    liveness: t.field({ type: LivenessMode, nullable: true, resolve: (s) => s.liveness ?? null }),
    minFrames: t.int({
      nullable: true,
      description: 'At least this many frames must pass the quality gates (1-5).',
      resolve: (s) => s.minFrames ?? null,
    }),
    requirePin: t.boolean({
      nullable: true,
      description: 'Every face decision must be completed with the PIN.',
      resolve: (s) => s.requirePin ?? null,
    }),
    livenessLivePoint: t.float({
      nullable: true,
      description: "The door's own live point, calibrated on its camera (doorLivenessCalibration); null = the liveness mode's.",
      resolve: (s) => s.livenessLivePoint ?? null,
    }),
    adaptiveTemplates: t.boolean({
      nullable: true,
      description:
        "This door's confident acceptances may add their frame to the person's template, when the site allows it too; null = off.",
      resolve: (s) => s.adaptiveTemplates ?? null,
    }),
    threshold: t.exposeFloat('threshold', { description: 'The verification threshold in force at this door.' }),
  }),
});

// A door key needs none of its door's policy: configuration is read with people:read.
const POLICY = { scope: 'people:read' } as const;
DoorRef.implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    location: t.exposeString('location', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    timeZone: t.exposeString('timeZone', { description: 'IANA time zone its schedules are read in.' }),
    access: t.field({
      type: DoorAccess,
      nullable: true,
      authScopes: POLICY,
      unauthorizedResolver: () => null,
      resolve: (d) => d.access as 'everyone' | 'groups',
    }),
    settings: t.field({
      type: DoorSettingsRef,
      nullable: true,
      authScopes: POLICY,
      unauthorizedResolver: () => null,
      resolve: (d, _, ctx) => {
        const own = parseDoorSettings(d.settings);
        return { ...own, threshold: settingsAtDoor(ctx.services.settings.current(), own).threshold };
      },
    }),
  }),
});

const DoorSettingsInput = builder.inputType('DoorSettingsInput', {
  description: 'Replaces the door’s own settings; a field left out or null uses the global setting.',
  fields: (t) => ({
    falseAcceptRate: t.float({ description: '1e-6 to 1e-2; the door’s calibrated threshold follows unless thresholdOverride is given.' }),
    thresholdOverride: t.float({ description: 'A fixed distance threshold at this door (0.05-1.5).' }),
    stepUp: t.boolean(),
    liveness: t.field({ type: LivenessMode }),
    minFrames: t.int({ description: '1-5 frames passing the quality gates.' }),
    requirePin: t.boolean({ description: 'Always ask for the PIN (two factors).' }),
    livenessLivePoint: t.float({
      description:
        "A liveness score in (0, 1): below it a matching face is asked for the PIN. Set it from doorLivenessCalibration's suggestion.",
    }),
    adaptiveTemplates: t.boolean({
      description:
        "Learn this door's camera: a confident acceptance may add its frame to the person's template (the site setting must allow it too).",
    }),
  }),
});

const DoorInput = builder.inputType('DoorInput', {
  fields: (t) => ({
    name: t.string(),
    location: t.string(),
    timeZone: t.string({ description: 'IANA time zone, e.g. Europe/Paris.' }),
    access: t.field({ type: DoorAccess }),
    settings: t.field({ type: DoorSettingsInput }),
  }),
});

const withoutNulls = <T extends object>(value: T) =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined));

export const LivenessPointsRef = builder.objectRef<LivenessPoints>('LivenessPoints').implement({
  description:
    'Below `attack` an attempt is refused as a presentation attack; from there to below `live` a matching face is asked for the PIN.',
  fields: (t) => ({ attack: t.exposeFloat('attack'), live: t.exposeFloat('live') }),
});

const LivenessQuantileRef = builder.objectRef<{ q: number; score: number }>('LivenessQuantile').implement({
  fields: (t) => ({ q: t.exposeFloat('q'), score: t.exposeFloat('score') }),
});

const DoorLivenessCalibrationRef = builder.objectRef<DoorLivenessCalibration>('DoorLivenessCalibration').implement({
  description:
    "Where the liveness scores of a door's accepted attempts lie (clear acceptances and step-ups completed with the PIN), and the live point they suggest.",
  fields: (t) => ({
    doorId: t.exposeID('doorId'),
    days: t.exposeInt('days'),
    points: t.field({
      type: LivenessPointsRef,
      nullable: true,
      description: 'The points in force at the door (null: liveness is off there).',
      resolve: (c) => c.points,
    }),
    calibrated: t.exposeBoolean('calibrated', { description: 'The live point is the door’s own.' }),
    attempts: t.exposeInt('attempts', {
      description: 'Attempts known to be live: accepted ones and those marked live by an administrator (markAttemptLive).',
    }),
    markedLive: t.exposeInt('markedLive', { description: 'Of `attempts`, refused ones an administrator marked "this was a live person".' }),
    quantiles: t.field({ type: [LivenessQuantileRef], resolve: (c) => c.quantiles }),
    histogram: t.exposeIntList('histogram', { description: 'Counts in 20 bins of width 0.05 from 0 to 1.' }),
    suggestedLivePoint: t.exposeFloat('suggestedLivePoint', {
      nullable: true,
      description: `Asks ${100 * DOOR_CALIBRATION_STEP_UP} % of these attempts for the PIN; null under ${CALIBRATION_MIN_ATTEMPTS} attempts.`,
    }),
    stepUpNow: t.exposeFloat('stepUpNow', {
      nullable: true,
      description: 'The share of these attempts the current live point asks for the PIN.',
    }),
  }),
});

builder.queryFields((t) => ({
  // The site's doors are the register's or the audit's business (people:read or audit:read), not a door key's.
  doors: t.field({
    type: [DoorRef],
    authScopes: (_, __, ctx) => can(ctx.viewer, 'people:read') || can(ctx.viewer, 'audit:read'),
    resolve: (_, __, ctx) => ctx.services.access.doors.list(),
  }),
  doorLivenessCalibration: t.field({
    type: DoorLivenessCalibrationRef,
    nullable: true,
    description:
      "The liveness scores of a door's accepted attempts over the last `days` (default 30), to set its own live point from (administrators).",
    authScopes: { scope: 'admin' },
    args: { doorId: t.arg.id({ required: true }), days: t.arg.int() },
    resolve: (_, { doorId, days }, ctx) => ctx.services.livenessCalibration.forDoor(String(doorId), Math.max(1, Math.min(days ?? 30, 365))),
  }),
}));

builder.mutationFields((t) => ({
  createDoor: t.field({
    type: DoorRef,
    description: "A new door, open to everyone, in the server's time zone (change it with updateDoor).",
    authScopes: { scope: 'admin' },
    errors: { types: COMMON_ERRORS },
    args: { name: t.arg.string({ required: true }), location: t.arg.string() },
    resolve: (_, { name, location }, ctx) => ctx.services.access.doors.create(name, location),
  }),
  updateDoor: t.field({
    type: DoorRef,
    description: "A door's name, place, time zone, who may pass (everyone or groups) and its own decision settings.",
    authScopes: { scope: 'admin' },
    errors: { types: [...COMMON_ERRORS, ConfirmationRequiredError] },
    args: {
      id: t.arg.id({ required: true }),
      input: t.arg({ type: DoorInput, required: true }),
      confirmLargeChange: t.arg.boolean({
        description: "New settings that move this door's threshold far are refused with CONFIRMATION_REQUIRED unless this is true.",
      }),
    },
    resolve: (_, { id, input, confirmLargeChange }, ctx) =>
      ctx.services.configureDoor(
        String(id),
        {
          ...(input.name != null ? { name: input.name } : {}),
          ...(input.location !== undefined ? { location: input.location } : {}),
          ...(input.timeZone != null ? { timeZone: input.timeZone } : {}),
          ...(input.access != null ? { access: input.access } : {}),
          ...(input.settings ? { settings: withoutNulls(input.settings) } : {}),
        },
        { confirmLargeChange: confirmLargeChange ?? false },
      ),
  }),
}));
