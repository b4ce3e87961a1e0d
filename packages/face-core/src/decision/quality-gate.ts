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
    return { pass: false, reason: 'FACE_TOO_SMALL', message: `the face is too small: eyes ${fixed(quality.eyeDistancePx)} px apart, at least ${gates.minEyeDistancePx} needed` };
  }
  if (quality.sharpness < gates.minSharpness) {
    return { pass: false, reason: 'TOO_BLURRY', message: `the face is too blurred (sharpness ${fixed(quality.sharpness)}, at least ${gates.minSharpness} needed)` };
  }
  if (Math.abs(quality.yawDeg) > gates.maxYawDeg || Math.abs(quality.pitchDeg) > gates.maxPitchDeg) {
    return { pass: false, reason: 'POSE', message: `the face is turned away (yaw ${fixed(quality.yawDeg)}°, pitch ${fixed(quality.pitchDeg)}°; at most ${gates.maxYawDeg}° and ${gates.maxPitchDeg}°)` };
  }
  if (quality.brightness < gates.minBrightness) {
    return { pass: false, reason: 'TOO_DARK', message: `the face is too dark (brightness ${fixed(quality.brightness)}, at least ${gates.minBrightness})` };
  }
  if (quality.brightness > gates.maxBrightness) {
    return { pass: false, reason: 'TOO_BRIGHT', message: `the face is overexposed (brightness ${fixed(quality.brightness)}, at most ${gates.maxBrightness})` };
  }
  return PASS;
}
