import { resolveOffsetConnection } from '@pothos/plugin-relay';
import { builder } from '../builder.ts';
import { calibratedThreshold, type Settings, type SettingsPatch } from '../services/settings/settings.ts';
import type { DeploymentCurve, DeploymentPoint } from '../services/settings/preview.ts';
import { ConfirmationRequiredError, InvalidInputError } from '../errors.ts';
import { COMMON_ERRORS } from './errors.ts';

const GalleryRule = builder.enumType('GalleryRule', {
  values: {
    NEAREST: { value: 'nearest' },
    SOFT_NEAREST: { value: 'soft-nearest' },
    CENTROID: { value: 'centroid' },
    MEAN_DISTANCE: { value: 'mean-distance' },
  } as const,
});

export const LivenessMode = builder.enumType('LivenessMode', {
  values: { OFF: { value: 'off' }, BALANCED: { value: 'balanced' }, STRICT: { value: 'strict' } } as const,
});

const SettingsRef = builder.objectRef<Settings>('Settings').implement({
  fields: (t) => ({
    falseAcceptRate: t.exposeFloat('falseAcceptRate', {
      description: 'The false-accept target per comparison of a face with one person (1e-4 = 1 in 10,000).',
    }),
    falseAcceptOneIn: t.int({ description: 'The same target as "1 in N".', resolve: (s) => Math.round(1 / s.falseAcceptRate) }),
    threshold: t.exposeFloat('threshold', {
      description: 'The verification distance threshold in force: calibrated for the target, or the override.',
    }),
    thresholdOverride: t.exposeFloat('thresholdOverride', {
      nullable: true,
      description: 'A fixed threshold set by an administrator; null when calibrated.',
    }),
    calibratedThreshold: t.float({
      description: 'The threshold the false-accept target calibrates to: the one in force unless a fixed threshold is set.',
      resolve: (s) => calibratedThreshold(s),
    }),
    model: t.exposeString('model', { description: 'The encoder the threshold is calibrated for.' }),
    stepUp: t.exposeBoolean('stepUp', { description: 'Borderline and ambiguous faces answer STEP_UP instead of REFUSED.' }),
    rule: t.field({ type: GalleryRule, resolve: (s) => s.rule }),
    rateLimitPerMinute: t.exposeInt('rateLimitPerMinute'),
    liveness: t.field({
      type: LivenessMode,
      description: 'The presentation-attack check: OFF, BALANCED or STRICT.',
      resolve: (s) => s.liveness,
    }),
    auditImageRetentionDays: t.exposeInt('auditImageRetentionDays', {
      nullable: true,
      description: 'Face images in audit events older than this are erased; null keeps them.',
    }),
    adaptiveTemplates: t.exposeBoolean('adaptiveTemplates', {
      description:
        "Doors may add a confident acceptance's frame to the person's template (where the door's own setting is on too). Off by default: measured, it gave no gain.",
    }),
    requireSecondFactor: t.exposeBoolean('requireSecondFactor', {
      description: 'Every administrator signs in with a second factor (TOTP); one without it may only sign in to enrol it.',
    }),
  }),
});

const SettingsInput = builder.inputType('SettingsInput', {
  fields: (t) => ({
    falseAcceptRate: t.float({
      description: 'A new false-accept target (1e-6 to 1e-2); the calibrated threshold follows unless `threshold` is also given.',
    }),
    threshold: t.float({ description: 'A fixed distance threshold (0.05-1.5) instead of the calibrated one.' }),
    useCalibratedThreshold: t.boolean({ description: 'Drop the fixed threshold and use the calibrated one again.' }),
    stepUp: t.boolean(),
    rule: t.field({ type: GalleryRule }),
    rateLimitPerMinute: t.int(),
    auditImageRetentionDays: t.int({ description: '1-3650 days.' }),
    liveness: t.field({ type: LivenessMode }),
    keepAuditImages: t.boolean({ description: 'Keep audit face images without a time limit.' }),
    adaptiveTemplates: t.boolean({ description: "Allow templates that learn the doors' cameras (each door must turn it on too)." }),
    requireSecondFactor: t.boolean({
      description: "Require a second factor of every administrator (from a session: the caller's own must be enrolled first).",
    }),
  }),
});

const SettingChangeRef = builder
  .objectRef<{
    id: string;
    createdAt: Date;
    adminId: string | null;
    key: string;
    oldValue: string | null;
    newValue: string;
    model: string;
  }>('SettingChange')
  .implement({
    description: 'One change of a recognition setting: who, when, the old and new value (JSON).',
    fields: (t) => ({
      id: t.exposeID('id'),
      createdAt: t.expose('createdAt', { type: 'DateTime' }),
      adminId: t.exposeID('adminId', { nullable: true }),
      key: t.exposeString('key'),
      oldValue: t.exposeString('oldValue', { nullable: true }),
      newValue: t.exposeString('newValue'),
      model: t.exposeString('model'),
    }),
  });

builder.queryFields((t) => ({
  // The thresholds and gates in force are for those who tune or audit them, not for a door (scope audit:read).
  settings: t.field({ type: SettingsRef, authScopes: { scope: 'audit:read' }, resolve: (_, __, ctx) => ctx.services.settings.current() }),
  settingChanges: t.connection({
    type: SettingChangeRef,
    description: 'Every change of the recognition settings, newest first.',
    authScopes: { scope: 'admin' },
    resolve: (_, args, ctx) =>
      resolveOffsetConnection({ args, defaultSize: 50, maxSize: 200 }, ({ offset, limit }) => ctx.services.settings.changes(offset, limit)),
  }),
}));

const DeploymentPointRef = builder.objectRef<DeploymentPoint>('DeploymentErrorPoint').implement({
  fields: (t) => ({
    threshold: t.exposeFloat('threshold'),
    falseAcceptRate: t.exposeFloat('falseAcceptRate', { description: '"Impostor" attempts under this threshold (accepted by it).' }),
    falseRejectRate: t.exposeFloat('falseRejectRate', { description: '"Genuine" attempts at or over this threshold (refused by it).' }),
  }),
});
const DeploymentCurveRef = builder.objectRef<DeploymentCurve>('DeploymentErrorCurve').implement({
  description: 'ROC/DET of the deployment’s own compared attempts (the last N of the audit log), over thresholds 0.20-0.80.',
  fields: (t) => ({
    genuine: t.exposeInt('genuine'),
    impostor: t.exposeInt('impostor'),
    labelling: t.exposeString('labelling', {
      description: 'How the attempts were labelled genuine or impostor (the audit log has no ground truth).',
    }),
    points: t.field({ type: [DeploymentPointRef], resolve: (c) => c.points }),
  }),
});
type CalibrationModel = {
  source: string;
  model: string;
  comparisons: number;
  points: readonly { distance: number; falseMatchRate: number }[];
};
const CalibrationPointRef = builder.objectRef<{ distance: number; falseMatchRate: number }>('CalibrationPoint').implement({
  fields: (t) => ({ distance: t.exposeFloat('distance'), falseMatchRate: t.exposeFloat('falseMatchRate') }),
});
const CalibrationRunRef = builder.objectRef<CalibrationModel>('CalibrationRun').implement({
  description:
    'The calibration run shipped with the encoder (false-match-table.json, `facegate calibrate`): false matches by distance, one frame. It holds the impostor side only.',
  fields: (t) => ({
    source: t.exposeString('source'),
    model: t.exposeString('model'),
    comparisons: t.exposeInt('comparisons', { description: 'Impostor comparisons the curve rests on.' }),
    points: t.field({ type: [CalibrationPointRef], resolve: (c) => [...c.points] }),
  }),
});

type Preview = {
  settings: Settings;
  verifyThreshold: number;
  identifyThreshold: number;
  attempts: number;
  toAccepted: number;
  toRefused: number;
  currentThreshold: number;
  falseAccept: { rate: number; beyondCurve: boolean };
  deployment: DeploymentCurve;
  calibration: CalibrationModel;
  warnings: string[];
};
const SettingsPreviewRef = builder.objectRef<Preview>('SettingsPreview').implement({
  description: 'What a settings change would do, before it is saved.',
  fields: (t) => ({
    settings: t.field({ type: SettingsRef, resolve: (p) => p.settings }),
    verifyThreshold: t.exposeFloat('verifyThreshold'),
    identifyThreshold: t.exposeFloat('identifyThreshold', { description: "For today's gallery size." }),
    attempts: t.exposeInt('attempts', { description: 'Recent attempts with a distance that were compared.' }),
    toAccepted: t.exposeInt('toAccepted', { description: 'Of them, refused then and accepted under the new settings.' }),
    toRefused: t.exposeInt('toRefused', { description: 'Of them, accepted then and refused under the new settings.' }),
    currentThreshold: t.exposeFloat('currentThreshold', { description: 'The verification threshold in force now.' }),
    falseAcceptRate: t.float({
      description: 'The false-accept rate per comparison the new verification threshold corresponds to on the calibration run.',
      resolve: (p) => p.falseAccept.rate,
    }),
    falseAcceptBeyondCalibration: t.boolean({
      description: 'The threshold lies beyond the calibration run’s measured distances: the rate is its end value (a bound).',
      resolve: (p) => p.falseAccept.beyondCurve,
    }),
    deployment: t.field({ type: DeploymentCurveRef, resolve: (p) => p.deployment }),
    calibration: t.field({ type: CalibrationRunRef, resolve: (p) => p.calibration }),
    warnings: t.stringList({
      description: 'A large threshold move, in words, with the attempts it would flip: confirm before saving.',
      resolve: (p) => p.warnings,
    }),
  }),
});

/** The patch of a SettingsInput (nulls mean "unchanged"). */
function toPatch(
  input: Record<string, unknown> & { useCalibratedThreshold?: boolean | null; keepAuditImages?: boolean | null },
): SettingsPatch {
  const { useCalibratedThreshold, keepAuditImages, ...given } = input;
  const patch: SettingsPatch = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== null && v !== undefined));
  if (useCalibratedThreshold) patch.threshold = null;
  if (keepAuditImages) patch.auditImageRetentionDays = null;
  return patch;
}

builder.queryFields((t) => ({
  settingsPreview: t.field({
    type: SettingsPreviewRef,
    description:
      'A settings change previewed on the deployment’s own audit log: the thresholds it gives and how many of the last attempts it would flip.',
    authScopes: { scope: 'audit:read' },
    args: {
      input: t.arg({ type: SettingsInput, required: true }),
      last: t.arg.int({ description: 'How many recent attempts to replay (default 500, at most 10,000).' }),
    },
    resolve: (_, { input, last }, ctx) => ctx.services.previewSettings(toPatch(input), last ?? 500),
  }),
}));

builder.mutationFields((t) => ({
  updateSettings: t.field({
    type: SettingsRef,
    description:
      'Saves settings. A large move of the verification threshold (settingsPreview warns of it) is refused with CONFIRMATION_REQUIRED unless confirmLargeChange is true.',
    authScopes: { scope: 'admin' },
    errors: { types: [...COMMON_ERRORS, ConfirmationRequiredError] },
    args: {
      input: t.arg({ type: SettingsInput, required: true }),
      confirmLargeChange: t.arg.boolean({ description: 'The warnings of settingsPreview were read: save a large threshold move anyway.' }),
    },
    resolve: async (_, { input, confirmLargeChange }, ctx) => {
      // Turning the requirement on from a session without a second factor would end that very session.
      const own =
        input.requireSecondFactor && ctx.viewer.kind === 'admin' ? await ctx.services.signIn.secondFactorStatus(ctx.viewer.id) : null;
      if (own && !own.totpEnabled && own.passkeys === 0) {
        throw new InvalidInputError(
          'enrol your own second factor (startTotpEnrolment, or a passkey) before requiring one of every administrator',
        );
      }
      return ctx.services.updateSettings(toPatch(input), ctx.viewer.kind === 'admin' ? ctx.viewer.id : null, {
        confirmLargeChange: confirmLargeChange ?? false,
      });
    },
  }),
}));
