import { intersectionOverUnion, type Box } from '@facegate/face-core';

export interface TrackerOptions {
  /** The largest face continues the track when its box overlaps the last one by at least this IoU. */
  readonly minIou: number;
  /** The track ends when no face continues it for this long (the person left). */
  readonly goneMs: number;
}

export interface Track {
  readonly id: number;
  /** When the first frame with this face arrived: the start of the decision latency. */
  readonly firstSeenAt: number;
  lastSeenAt: number;
  lastBox: Box;
}

/**
 * Follows the person nearest the camera: the largest face of each frame, matched to the previous
 * frame's by box overlap. A face that does not overlap starts a new track (someone else stepped in
 * front); no face for `goneMs` ends it. One track is one visit, decided once (see bridge.ts).
 */
export class Tracker {
  private current: Track | null = null;
  private nextId = 1;
  constructor(private readonly options: TrackerOptions) {}

  get track(): Track | null {
    return this.current;
  }

  /** The track the largest face of a frame belongs to (null: no face, nor a track still waiting for it to come back). */
  update(box: Box | null, at: number): { track: Track | null; started: boolean } {
    const track = this.current;
    if (box === null) {
      if (track && at - track.lastSeenAt > this.options.goneMs) this.current = null;
      return { track: null, started: false };
    }
    if (track && at - track.lastSeenAt <= this.options.goneMs && intersectionOverUnion(track.lastBox, box) >= this.options.minIou) {
      track.lastSeenAt = at;
      track.lastBox = box;
      return { track, started: false };
    }
    this.current = { id: this.nextId++, firstSeenAt: at, lastSeenAt: at, lastBox: box };
    return { track: this.current, started: true };
  }
}
