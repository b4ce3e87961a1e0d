import type { FaceLocator } from '@facegate/face-core';
import type { DoorAnswer, DoorClient } from '../door-client.ts';
import type { Actuator } from './actuators.ts';
import type { CardInbox } from './card-input.ts';
import { FramePicker, frameScore } from './frame-picker.ts';
import type { Frame } from './frame-source.ts';
import type { CameraMetrics } from './metrics.ts';
import { Tracker, type Track, type TrackerOptions } from './tracker.ts';

export interface BridgeOptions {
  /** Frames per attempt (1-5): the best of the visit by quality. */
  readonly burst: number;
  /** Send fewer than `burst` good frames once the face has been seen this long. */
  readonly maxWaitMs: number;
  readonly tracker: TrackerOptions;
  /** Only verification: no attempt without a card. */
  readonly requireCard: boolean;
  readonly doorId?: string;
  /** After a network error, the same visit tries again after this long. */
  readonly retryMs: number;
}

export interface AttemptReport {
  readonly track: number;
  readonly mode: 'identify' | 'verify';
  readonly frames: number;
  /** From the first frame showing the face (or the card swipe that restarted the visit) to the answer. */
  readonly latencyMs: number;
  /** Of which the API request (upload, decision, answer). */
  readonly apiMs: number;
  readonly answer: DoorAnswer | null;
  /** A transport failure: the API was not reached or answered no decision. */
  readonly failure: string | null;
}

export interface BridgeDeps {
  readonly locator: FaceLocator;
  readonly client: DoorClient;
  readonly cards: CardInbox;
  readonly actuators: readonly Actuator[];
  readonly metrics: CameraMetrics;
  onAttempt(report: AttemptReport): void;
  onOpened(actuator: string, error: Error | null): void;
}

/** One person in front of the camera, from the first frame showing them until they leave. */
interface Visit {
  readonly track: Track;
  readonly picker: FramePicker;
  since: number;
  decided: boolean;
  accepted: boolean;
  retryAt: number;
}

/** Typed errors the API answers when trying again later may succeed. */
const RETRYABLE = new Set(['BusyError', 'RateLimitedError', 'UnavailableError']);

/**
 * Frames in, attempts out. Looks at the latest frame only (a frame that arrives while the previous one
 * is processed replaces it, so the bridge never falls behind the camera), follows the nearest face,
 * and decides each visit once: the best frames go to the API as one burst, identified, or verified
 * against a card swiped within the card window. A person standing at the door after a refusal is not
 * tried again unless they swipe a card; an acceptance opens the door once.
 */
export function createBridge(options: BridgeOptions, deps: BridgeDeps) {
  const { metrics } = deps;
  const tracker = new Tracker(options.tracker);
  let visit: Visit | null = null;
  let latest: Frame | null = null;
  let wake: (() => void) | null = null;
  let stopped = false;
  let ending = false;

  async function look(frame: Frame): Promise<void> {
    const faces = await deps.locator.locate(frame.jpeg);
    const face = faces.largest;
    const { track, started } = tracker.update(face?.box ?? null, frame.at);
    if (!track || !face) return;
    if (started || !visit)
      visit = { track, picker: new FramePicker(2 * options.burst), since: track.firstSeenAt, decided: false, accepted: false, retryAt: 0 };
    const current = visit;
    // A card swiped by someone already refused starts a verification with fresh frames.
    if (current.decided && !current.accepted && deps.cards.has()) {
      Object.assign(current, { decided: false, since: frame.at, retryAt: 0 });
      current.picker.clear();
    }
    const score = frameScore(face.quality);
    if (score !== null) current.picker.add({ jpeg: frame.jpeg, at: frame.at, score });
    if (current.decided || frame.at < current.retryAt || current.picker.count === 0) return;
    if (options.requireCard && !deps.cards.has()) return;
    if (current.picker.count < options.burst && frame.at - current.since < options.maxWaitMs) return;
    await attempt(current);
  }

  async function attempt(current: Visit): Promise<void> {
    const frames = current.picker.best(options.burst).map((c) => new Uint8Array(c.jpeg));
    const cardId = deps.cards.take();
    const mode = cardId ? 'verify' : 'identify';
    const door = options.doorId ? { doorId: options.doorId } : {};
    let answer: DoorAnswer | null = null;
    let failure: string | null = null;
    const sentAt = performance.now();
    try {
      answer = cardId ? await deps.client.verifyFace({ cardId }, frames, door) : await deps.client.identifyFace(frames, door);
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    const now = performance.now();
    const latencyMs = now - current.since;
    if (answer?.ok) {
      metrics.attempts.inc({ outcome: answer.result.decision });
      metrics.latenciesMs.push(latencyMs);
      metrics.decisionSeconds.observe(latencyMs / 1000);
      current.decided = true;
      current.accepted = answer.result.decision === 'ACCEPTED';
    } else if (answer) {
      metrics.attempts.inc({ outcome: answer.error.code });
      const wait = 'retryAfterSeconds' in answer.error ? answer.error.retryAfterSeconds : null;
      if (RETRYABLE.has(answer.error.__typename)) current.retryAt = now + Math.max(1000, (wait ?? 0) * 1000);
      else current.decided = true;
    } else {
      metrics.attempts.inc({ outcome: 'unreachable' });
      current.retryAt = now + options.retryMs;
    }
    deps.onAttempt({ track: current.track.id, mode, frames: frames.length, latencyMs, apiMs: now - sentAt, answer, failure });
    if (answer?.ok && current.accepted) await open(answer.result);
    if (answer && !answer.ok && answer.error.__typename === 'UnauthorizedError')
      throw new Error(`${answer.error.code}: ${answer.error.message} (check the key)`);
  }

  async function open(result: { attemptId: string; person?: { id: string; name: string } | null }): Promise<void> {
    metrics.opened.inc();
    const opening = {
      person: result.person?.name ?? null,
      personId: result.person?.id ?? null,
      attemptId: result.attemptId,
      at: new Date().toISOString(),
    };
    await Promise.all(
      deps.actuators.map(async (actuator) => {
        try {
          await actuator.open(opening);
          deps.onOpened(actuator.name, null);
        } catch (error) {
          metrics.actuatorFailures.inc({ actuator: actuator.name });
          deps.onOpened(actuator.name, error instanceof Error ? error : new Error(String(error)));
        }
      }),
    );
  }

  return {
    /** A frame from the source: replaces one not yet looked at. */
    offer(frame: Frame): void {
      metrics.frames.inc();
      if (latest) metrics.skipped.inc();
      latest = frame;
      wake?.();
    },
    /** Looks at frames until stop(); rejects on an error that stops the bridge (a key the API refuses). */
    async run(): Promise<void> {
      while (!stopped) {
        if (!latest && ending) return;
        if (!latest) await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        const frame = latest;
        latest = null;
        if (frame && !stopped) await look(frame);
      }
    },
    /** Ends run() after the frame being looked at (and its attempt, if one is under way). */
    stop(): void {
      stopped = true;
      wake?.();
    },
    /**
     * The stream dropped: the visit under way ends (nobody knows who stood there meanwhile), so the
     * next face is a new visit; one that was decided is not tried again before the drop.
     */
    streamDropped(): void {
      tracker.reset();
      visit = null;
      latest = null;
    },
    /** Ends run() once the frame waiting has been looked at (a file that ended). */
    finish(): void {
      ending = true;
      wake?.();
    },
  };
}
