export interface Bin {
  from: number;
  to: number;
  accepted: number;
  refused: number;
}

/**
 * Distances in equal bins from 0 to `max` (values above go to the last bin); the threshold is meant to
 * be drawn over it. Attempts without a distance (no face, unknown person) are left out.
 */
export function distanceHistogram(events: readonly { distance: number | null; decision: string }[], binCount = 20, max = 1): Bin[] {
  const width = max / binCount;
  const bins: Bin[] = Array.from({ length: binCount }, (_, i) => ({ from: i * width, to: (i + 1) * width, accepted: 0, refused: 0 }));
  for (const event of events) {
    if (event.distance === null || !Number.isFinite(event.distance)) continue;
    const bin = bins[Math.min(binCount - 1, Math.max(0, Math.floor(event.distance / width)))]!;
    if (event.decision === 'ACCEPTED') bin.accepted += 1;
    else if (event.decision === 'REFUSED') bin.refused += 1;
  }
  return bins;
}
