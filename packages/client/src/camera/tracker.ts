import { intersectionOverUnion, type Box } from '@facegate/face-core';

export interface TrackerOptions {
  /** The largest face continues the track when its box overlaps the last one by at least this IoU. */
  readonly minIou: number;
  /** The track ends when the frames looked at show no face for this long (the person left). */
  readonly goneMs: number;
}

export interface Track {
  readonly id: number;
  /** When the first frame with this face arrived: the start of the decision latency. */
  readonly firstSeenAt: number;
  lastSeenAt: number;
  lastBox: Box;
  /** When the first frame without the face (since it was last seen) arrived, or null. */
  missingSince: number | null;
}

/**
 * Follows the person nearest the camera: the largest face of each frame, matched to the previous
 * frame's by box overlap. A face that does not overlap starts a new track (someone else stepped in
 * front); frames without a face for `goneMs` end it. Only frames looked at count: while the bridge
 * waits for the API no frame is looked at, and that wait is no evidence that the person left (it would
 * make one person standing there two visits). One track is one visit, decided once (see bridge.ts).
 */
export class Tracker {
  private current: Track | null = null;
  private nextId = 1;
  constructor(private readonly options: TrackerOptions) {}

  get track(): Track | null {
    return this.current;
  }

  /** Forgets the track: after a gap in the stream, whoever stands there is a new visit. */
  reset(): void {
    this.current = null;
  }

  /** The track the largest face of a frame belongs to (null: no face in this frame). */
  update(box: Box | null, at: number): { track: Track | null; started: boolean } {
    const track = this.current;
    if (box === null) {
      if (track) {
        track.missingSince ??= at;
        if (at - track.missingSince >= this.options.goneMs) this.current = null;
      }
      return { track: null, started: false };
    }
    if (track && intersectionOverUnion(track.lastBox, box) >= this.options.minIou) {
      Object.assign(track, { lastSeenAt: at, lastBox: box, missingSince: null });
      return { track, started: false };
    }
    this.current = { id: this.nextId++, firstSeenAt: at, lastSeenAt: at, lastBox: box, missingSince: null };
    return { track: this.current, started: true };
  }
}
