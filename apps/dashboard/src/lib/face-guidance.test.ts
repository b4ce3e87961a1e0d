import { describe, expect, it } from 'vitest';
import { adviseFrame, meanLuma, type FaceBox } from './face-guidance';

const frame = { width: 640, height: 480 };
const face = (x: number, y: number, width: number, score = 0.9): FaceBox => ({ x, y, width, height: width * 1.2, score });
const centred = face(220, 130, 200);

describe('webcam guidance', () => {
  it('asks for a face, one face, light, distance, place, then stillness, in that order', () => {
    const advise = (faces: FaceBox[], brightness = 120, previous: FaceBox | null = centred) =>
      adviseFrame({ ...frame, faces, brightness, previous }).code;
    expect(advise([])).toBe('no_face');
    expect(advise([], 20)).toBe('too_dark');
    expect(advise([centred, face(20, 20, 80)], 20)).toBe('several_faces');
    expect(advise([centred], 30)).toBe('too_dark');
    expect(advise([centred], 240)).toBe('too_bright');
    expect(advise([face(280, 200, 80)])).toBe('come_closer');
    expect(advise([face(40, 10, 460)])).toBe('move_back');
    expect(advise([face(10, 10, 200)])).toBe('centre');
    expect(advise([centred], 120, null)).toBe('hold_still');
    expect(advise([centred], 120, face(260, 130, 200))).toBe('hold_still');
    expect(advise([centred], 120, face(224, 132, 200))).toBe('good');
  });

  it('measures brightness as mean luma', () => {
    expect(meanLuma(new Uint8ClampedArray([255, 255, 255, 255, 0, 0, 0, 255]), 1)).toBeCloseTo(127.5, 5);
  });
});
