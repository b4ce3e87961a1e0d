import { checkQuality, DEFAULT_QUALITY_GATES, type FaceQuality } from '@facegate/face-core';

export interface Candidate {
  readonly jpeg: Buffer;
  readonly at: number;
  readonly score: number;
}

/**
 * How good a probe a face makes, for ranking frames of one visit: null when it fails the API's quality
 * gates (it would be refused, not compared). Bigger, sharper and more frontal is better; the weights
 * only order frames of the same person and camera, so they need not be calibrated.
 */
export function frameScore(quality: FaceQuality): number | null {
  if (!checkQuality(quality, DEFAULT_QUALITY_GATES).pass) return null;
  return (
    Math.log(quality.eyeDistancePx) + 0.5 * Math.log(quality.sharpness) - Math.abs(quality.yawDeg) / 30 - Math.abs(quality.pitchDeg) / 15
  );
}

/** The best `keep` frames seen so far (a visit of minutes keeps a few frames, not all of them). */
export class FramePicker {
  private frames: Candidate[] = [];
  constructor(private readonly keep: number) {}

  get count(): number {
    return this.frames.length;
  }

  add(frame: Candidate): void {
    this.frames.push(frame);
    this.frames.sort((a, b) => b.score - a.score);
    this.frames.length = Math.min(this.frames.length, this.keep);
  }

  /** The best `n`, in the order they were seen. */
  best(n: number): Candidate[] {
    return this.frames.slice(0, n).sort((a, b) => a.at - b.at);
  }

  clear(): void {
    this.frames = [];
  }
}
