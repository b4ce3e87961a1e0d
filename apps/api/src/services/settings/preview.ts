import {
  falseMatchCurve,
  falseMatchRateAt,
  FALSE_MATCH_CURVE_MODEL,
  FALSE_MATCH_CURVE_SOURCE,
  type FalseMatchPoint,
} from '@facegate/face-core';
import { replayAttempts, thresholdsOf, type SettingsChangeDeps } from './replay.ts';
import type { SettingsPatch } from './settings.ts';

const table = FALSE_MATCH_CURVE_SOURCE;

/** One compared attempt of the audit log, as the preview reads it. */
export interface ComparedAttempt {
  readonly kind: string;
  readonly distance: number;
  readonly threshold: number;
  readonly decision: string;
  readonly reason: string;
}

/** A point of the deployment's error curves: at this distance threshold, the share of each label on the wrong side. */
export interface DeploymentPoint {
  readonly threshold: number;
  /** "Impostor" attempts under the threshold (would be accepted). */
  readonly falseAcceptRate: number;
  /** "Genuine" attempts at or over the threshold (would be refused). */
  readonly falseRejectRate: number;
}

export interface DeploymentCurve {
  readonly genuine: number;
  readonly impostor: number;
  readonly labelling: string;
  readonly points: DeploymentPoint[];
}

/** Reasons that confirm the face was the person's even though the door stayed shut: only the access policy refused. */
const POLICY_REASONS = new Set([
  'not_allowed_here',
  'outside_schedule',
  'pass_expired',
  'pass_not_yet_valid',
  'pass_revoked',
  'too_few_frames',
]);

/**
 * The audit log has no ground truth, so attempts are labelled by what was decided then: "genuine" when
 * the face was accepted (the door opened, a PIN confirmed a step-up, or only the access policy kept it
 * shut), "impostor" otherwise (refused by the face, or a step-up nobody confirmed). Said in the answer.
 */
export const DEPLOYMENT_LABELLING =
  'Labelled by the decision at the time (no ground truth in an audit log): genuine = the face was accepted (the door opened, a PIN confirmed a step-up, or only the access policy refused); impostor = a face the comparison refused (over the threshold then in force). Attempts decided by something else (the liveness check, two people too close to call, a door that always asks for a PIN) are left out. Each distance is read against the threshold in force for it (identification has its own; the threshold may have changed since), shifted onto the verification threshold now: at the threshold now no impostor is accepted, by construction, and the genuine refused are those a PIN let in.';

export function isGenuine(a: ComparedAttempt): boolean {
  if (a.reason === 'pin_ok') return true;
  if (a.decision === 'accepted') return true;
  return a.decision === 'refused' && POLICY_REASONS.has(a.reason) && a.distance < a.threshold;
}

/**
 * False accept and false reject rates of the deployment's own attempts over a grid of verification
 * thresholds. Each attempt's distance is taken relative to the threshold it was decided against (an
 * identification's, or an earlier setting's) and placed at the same margin from `current`, the
 * verification threshold in force: read in raw distances, identifications refused between the two
 * thresholds and attempts refused under an older, lower threshold showed as "accepted now".
 */
export function deploymentCurve(
  attempts: readonly ComparedAttempt[],
  current: number,
  grid: readonly number[] = thresholdGrid(),
): DeploymentCurve {
  const margin = (a: ComparedAttempt) => a.distance - a.threshold + current;
  const genuine = attempts.filter(isGenuine).map(margin);
  // The face comparison's refusals only: a liveness refusal or an ambiguity may be under the threshold.
  const impostor = attempts.filter((a) => !isGenuine(a) && a.distance >= a.threshold).map(margin);
  const share = (values: number[], test: (d: number) => boolean) => (values.length === 0 ? 0 : values.filter(test).length / values.length);
  return {
    genuine: genuine.length,
    impostor: impostor.length,
    labelling: DEPLOYMENT_LABELLING,
    points: grid.map((t) => ({
      threshold: t,
      falseAcceptRate: share(impostor, (d) => d < t),
      falseRejectRate: share(genuine, (d) => d >= t),
    })),
  };
}

/** 0.20 to 0.80 by 0.01: the distances where the encoder's thresholds live. */
export function thresholdGrid(): number[] {
  return Array.from({ length: 61 }, (_, i) => Math.round((0.2 + i * 0.01) * 100) / 100);
}

/** The shipped calibration run (false-match-table.json): the impostor side only, one-frame curve. */
export function calibrationRun(): { source: string; model: string; comparisons: number; points: readonly FalseMatchPoint[] } {
  return { source: table.source, model: FALSE_MATCH_CURVE_MODEL, comparisons: table.comparisons['1'], points: falseMatchCurve(1) };
}

/** The false-accept rate per comparison that a verification threshold corresponds to on the calibration run. */
export function falseAcceptAt(threshold: number): { rate: number; beyondCurve: boolean } {
  const curve = falseMatchCurve(1);
  const last = curve.at(-1)!;
  const first = curve[0]!;
  return { rate: falseMatchRateAt(threshold, curve), beyondCurve: threshold > last.distance || threshold < first.distance };
}

/** When a change moves the threshold this much it is previewed with a warning and saved only when confirmed. */
export const LARGE_FALSE_ACCEPT_FACTOR = 10;
export const LARGE_THRESHOLD_STEP = 0.05;

/**
 * Plain-words warnings for a threshold change: a threshold raised so that strangers are accepted 10x
 * more often (or by more than 0.05), or lowered as much, with the attempts of the audit it would flip.
 */
export function thresholdWarnings(change: { from: number; to: number; attempts: number; toAccepted: number; toRefused: number }): string[] {
  const before = falseAcceptAt(change.from);
  const after = falseAcceptAt(change.to);
  const oneIn = (r: { rate: number; beyondCurve: boolean }) =>
    `${r.beyondCurve ? (r.rate > 0.01 ? 'more than ' : 'fewer than ') : 'about '}1 in ${Math.round(1 / r.rate).toLocaleString('en')}`;
  const flips =
    change.attempts === 0
      ? 'The audit log has no compared attempt to replay yet.'
      : `Of the last ${change.attempts} compared attempts, ${change.toAccepted} refused would be accepted and ${change.toRefused} accepted would be refused.`;
  const warnings: string[] = [];
  if (change.to - change.from > LARGE_THRESHOLD_STEP || after.rate >= before.rate * LARGE_FALSE_ACCEPT_FACTOR) {
    warnings.push(
      `Raising the threshold from ${change.from.toFixed(3)} to ${change.to.toFixed(3)} lets strangers in far more often: a stranger would be taken for a given person ${oneIn(after)} comparisons instead of ${oneIn(before)} (calibration on ${table.source}). ${flips}`,
    );
  } else if (change.from - change.to > LARGE_THRESHOLD_STEP || after.rate * LARGE_FALSE_ACCEPT_FACTOR <= before.rate) {
    warnings.push(
      `Lowering the threshold from ${change.from.toFixed(3)} to ${change.to.toFixed(3)} will refuse more enrolled people (false accepts ${oneIn(after)} instead of ${oneIn(before)}). ${flips}`,
    );
  }
  return warnings;
}

/**
 * What a settings change would do before it is saved: the thresholds it gives, and how many of the
 * last attempts with a distance would have been decided the other way (accepted then, refused now,
 * or the reverse). Doors' own settings are left aside: the global thresholds are compared.
 */
export async function previewSettings(deps: SettingsChangeDeps, patch: SettingsPatch, last: number) {
  const next = deps.settings.preview(patch);
  const now = thresholdsOf(next, deps.gallerySize());
  const { events, toAccepted, toRefused } = await replayAttempts(deps.prisma, now, last);
  // The deployment's own error curves and the shipped calibration run, and warnings for a large move.
  const from = deps.settings.current().threshold;
  const compared = events.map((e) => ({ ...e, distance: e.distance! }));
  return {
    settings: next,
    verifyThreshold: now.verify,
    identifyThreshold: now.identify,
    attempts: events.length,
    toAccepted,
    toRefused,
    currentThreshold: from,
    falseAccept: falseAcceptAt(now.verify),
    deployment: deploymentCurve(compared, from),
    calibration: calibrationRun(),
    warnings: thresholdWarnings({ from, to: now.verify, attempts: events.length, toAccepted, toRefused }),
  };
}

export type SettingsPreview = Awaited<ReturnType<typeof previewSettings>>;
