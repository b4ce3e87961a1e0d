import type { FaceQuality } from '../quality.ts';
import type { QualityGates } from './constants.ts';

/** Why a probe face is not good enough to decide on: each is a typed answer the door can act on. */
export type QualityReason = 'FACE_TOO_SMALL' | 'TOO_BLURRY' | 'POSE' | 'TOO_DARK' | 'TOO_BRIGHT';

export type QualityVerdict = { readonly pass: true } | { readonly pass: false; readonly reason: QualityReason; readonly message: string };

const PASS: QualityVerdict = { pass: true };

/**
 * The probe gates, checked in order of what a person at the door can fix: come closer, hold still, face
 * the camera, better light. A face that fails one is never compared: a small or blurred face is close to
 * everyone (the encoder sees little but the average face), which is how strangers get in.
 */
export function checkQuality(quality: FaceQuality, gates: QualityGates): QualityVerdict {
  const fixed = (n: number) => n.toFixed(0);
  if (quality.eyeDistancePx < gates.minEyeDistancePx) {
    return {
      pass: false,
      reason: 'FACE_TOO_SMALL',
      message: `the face is too small: eyes ${fixed(quality.eyeDistancePx)} px apart, at least ${gates.minEyeDistancePx} needed`,
    };
  }
  if (quality.sharpness < gates.minSharpness) {
    return {
      pass: false,
      reason: 'TOO_BLURRY',
      message: `the face is too blurred (sharpness ${fixed(quality.sharpness)}, at least ${gates.minSharpness} needed)`,
    };
  }
  if (Math.abs(quality.yawDeg) > gates.maxYawDeg || Math.abs(quality.pitchDeg) > gates.maxPitchDeg) {
    return {
      pass: false,
      reason: 'POSE',
      message: `the face is turned away (yaw ${fixed(quality.yawDeg)}°, pitch ${fixed(quality.pitchDeg)}°; at most ${gates.maxYawDeg}° and ${gates.maxPitchDeg}°)`,
    };
  }
  if (quality.brightness < gates.minBrightness) {
    return {
      pass: false,
      reason: 'TOO_DARK',
      message: `the face is too dark (brightness ${fixed(quality.brightness)}, at least ${gates.minBrightness})`,
    };
  }
  if (quality.brightness > gates.maxBrightness) {
    return {
      pass: false,
      reason: 'TOO_BRIGHT',
      message: `the face is overexposed (brightness ${fixed(quality.brightness)}, at most ${gates.maxBrightness})`,
    };
  }
  return PASS;
}

/** One enrolment/probe gate measured on a face: the figure, the limit, and whether it passes. */
export interface QualityCheck {
  /** The refusal this gate gives when it fails. */
  readonly reason: QualityReason;
  /** What is measured: eyeDistancePx, sharpness, yawDeg, pitchDeg, brightness. */
  readonly measure: 'eyeDistancePx' | 'sharpness' | 'yawDeg' | 'pitchDeg' | 'brightness';
  readonly value: number;
  /** 'min': the value must be at least the limit; 'max': at most (yaw and pitch: their absolute value). */
  readonly bound: 'min' | 'max';
  readonly limit: number;
  readonly pass: boolean;
}

/**
 * Every gate of checkQuality, one by one, so that a page can say "sharpness 38.7, at least 6: pass"
 * instead of a bare number. Measures missing from `quality` (samples stored before yaw and pitch were
 * kept) are left out.
 */
export function qualityChecks(quality: Partial<FaceQuality>, gates: QualityGates): QualityCheck[] {
  const checks: QualityCheck[] = [];
  const add = (reason: QualityReason, measure: QualityCheck['measure'], bound: 'min' | 'max', limit: number) => {
    const value = quality[measure];
    if (value === undefined || value === null || !Number.isFinite(value)) return;
    const pass = bound === 'min' ? value >= limit : (measure === 'yawDeg' || measure === 'pitchDeg' ? Math.abs(value) : value) <= limit;
    checks.push({ reason, measure, value, bound, limit, pass });
  };
  add('FACE_TOO_SMALL', 'eyeDistancePx', 'min', gates.minEyeDistancePx);
  add('TOO_BLURRY', 'sharpness', 'min', gates.minSharpness);
  add('POSE', 'yawDeg', 'max', gates.maxYawDeg);
  add('POSE', 'pitchDeg', 'max', gates.maxPitchDeg);
  add('TOO_DARK', 'brightness', 'min', gates.minBrightness);
  add('TOO_BRIGHT', 'brightness', 'max', gates.maxBrightness);
  return checks;
}
