import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Viewer } from '../auth/viewer.ts';

export interface RateLimits {
  /** Takes one attempt for the caller and the door; null when allowed, else seconds to wait. */
  consume(viewer: Viewer, doorId: string | null): Promise<number | null>;
}

/**
 * Recognition attempts per minute, counted per caller (API key or administrator) and per door: a
 * stolen key or a door under a brute-force attempt slows down without stopping the others.
 */
export function createRateLimits(perMinute: () => number): RateLimits {
  let limiter: RateLimiterMemory | undefined;
  let points = 0;
  return {
    async consume(viewer, doorId) {
      const current = perMinute();
      if (!limiter || current !== points) {
        points = current;
        limiter = new RateLimiterMemory({ points, duration: 60 });
      }
      const caller = viewer.kind === 'anonymous' || viewer.kind === 'system' ? viewer.kind : `${viewer.kind}:${viewer.id}`;
      const keys = [caller, ...(doorId ? [`door:${doorId}`] : [])];
      for (const key of keys) {
        try {
          await limiter.consume(key);
        } catch (rejection) {
          if (rejection instanceof Error) throw rejection;
          return Math.max(1, Math.ceil((rejection as { msBeforeNext: number }).msBeforeNext / 1000));
        }
      }
      return null;
    },
  };
}
