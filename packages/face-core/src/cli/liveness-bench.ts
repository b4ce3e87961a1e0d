import type { FaceEngine } from '../engine.ts';
import { decodeImage } from '../image/decode.ts';
import { load } from '../liveness/liveness.ts';

const round = (n: number) => Number(n.toFixed(2));

/**
 * Cost of the liveness check per face: from the decoded photo and the engine's landmarks to the score
 * (two crops, two networks on ONNX Runtime), on the same photo as the pipeline benchmark. Detection and landmarks
 * are the pipeline's and not counted again.
 */
export async function timeLiveness(
  engine: FaceEngine,
  photo: Uint8Array,
  runs: number,
): Promise<{ medianMs: number; p95Ms: number; runs: number; score: number }> {
  const checker = await load();
  try {
    const image = await decodeImage(photo);
    const face = await engine.encodeFace(image, { multiple: 'largest' });
    for (let i = 0; i < 10; i++) await checker.check(image, face); // warm-up: JIT and ONNX Runtime's first runs
    const times: number[] = [];
    let score = 0;
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      score = (await checker.check(image, face)).score;
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return {
      medianMs: round(times[Math.floor(runs / 2)]!),
      p95Ms: round(times[Math.min(runs - 1, Math.floor(0.95 * runs))]!),
      runs,
      score: Number(score.toFixed(4)),
    };
  } finally {
    await checker.dispose();
  }
}
