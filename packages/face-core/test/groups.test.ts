import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, facesDir, hasFaces, type Box } from '../src/index.ts';
import * as detection from '../src/detection/blazeface.ts';
import { intersectionOverUnion } from '../src/geometry.ts';

const groups = path.join(facesDir(), 'groups');

// 9 group photos (PASCAL VOC, from dlib's examples) with 43 hand-drawn face boxes.
describe.skipIf(!hasFaces('groups'))(`detection on group photos (needs ${groups}; skipped when absent)`, () => {
  let detector: detection.FaceDetector;
  beforeAll(async () => {
    detector = await detection.load();
  });
  afterAll(() => detector?.dispose());

  it('finds at least 85 % of the annotated faces at IoU 0.4, with few false alarms', async () => {
    const rows = readFileSync(path.join(groups, 'boxes.tsv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t'));
    const truth = new Map<string, Box[]>();
    for (const [, file, , , left, top, width, height, ignore] of rows) {
      if (ignore === '1') continue;
      truth.set(file!, [...(truth.get(file!) ?? []), { x: +left!, y: +top!, width: +width!, height: +height! }]);
    }
    let found = 0;
    let total = 0;
    let falseAlarms = 0;
    for (const [file, boxes] of truth) {
      const faces = await detector.detect(await decodeImage(path.join(groups, 'images', file)), { smallFaces: true });
      const matched = boxes.filter((b) => faces.some((f) => intersectionOverUnion(f.box, b) >= 0.4));
      falseAlarms += faces.filter((f) => !boxes.some((b) => intersectionOverUnion(f.box, b) >= 0.4)).length;
      found += matched.length;
      total += boxes.length;
    }
    const recall = found / total;
    console.info(`group photos: recall ${(100 * recall).toFixed(1)} % (${found}/${total}) at IoU 0.4, ${falseAlarms} unmatched detections`);
    expect(recall).toBeGreaterThanOrEqual(0.85);
    expect(falseAlarms).toBeLessThanOrEqual(total * 0.2);
  });
});
