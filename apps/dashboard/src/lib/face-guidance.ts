/**
 * Guidance for the webcam at enrolment, from measures the browser takes of each preview frame (the face
 * detector's boxes and the frame's brightness): what the person should do, in words, and whether the
 * frame is good enough to be taken on its own. The API's quality gates still judge the photo sent.
 */

/** A face the detector found, in the frame's own pixels, with its score (0-1). */
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
}

export interface FrameMeasures {
  width: number;
  height: number;
  faces: FaceBox[];
  /** Mean luma (0-255) of the face, or of the whole frame when no face was found. */
  brightness: number;
  /** The face box of the previous frame, to tell whether the person is holding still. */
  previous: FaceBox | null;
}

export type GuidanceCode =
  'no_face' | 'several_faces' | 'too_dark' | 'too_bright' | 'come_closer' | 'move_back' | 'centre' | 'hold_still' | 'good';

export interface Guidance {
  code: GuidanceCode;
  text: string;
}

/** The oval drawn over the preview: centred, this share of the frame's height tall (width follows a face's proportions). */
export const OVAL = { heightShare: 0.72, aspect: 0.75 } as const;

/** Limits: a face narrower than MIN_FACE_SHARE of the frame is too far for the enrolment gates' eye distance. */
export const LIMITS = {
  minFaceShare: 0.22,
  maxFaceShare: 0.6,
  darkBelow: 60,
  brightAbove: 215,
  /** The face's centre may be this share of the frame away from the oval's centre. */
  offCentre: 0.2,
  /** Moving more than this share of the face's width between two frames is not holding still. */
  moved: 0.08,
} as const;

const TEXT: Record<GuidanceCode, string> = {
  no_face: 'No face found: look at the camera, with your face inside the oval.',
  several_faces: 'Several faces: only the person being enrolled should be in view.',
  too_dark: 'Too dark: turn on a light or face a window.',
  too_bright: 'Too bright: move away from the light behind or in front of you.',
  come_closer: 'Come closer: your face should fill the oval.',
  move_back: 'Move back a little: your face is larger than the oval.',
  centre: 'Move your face into the oval.',
  hold_still: 'Hold still…',
  good: 'Good: hold still, the photo is taken in a moment.',
};

/** What the person should do now, first things first: a face, only one, light, distance, place, stillness. */
export function adviseFrame(m: FrameMeasures): Guidance {
  const say = (code: GuidanceCode): Guidance => ({ code, text: TEXT[code] });
  if (m.faces.length === 0) return say(m.brightness < LIMITS.darkBelow ? 'too_dark' : 'no_face');
  if (m.faces.length > 1) return say('several_faces');
  const face = m.faces[0]!;
  if (m.brightness < LIMITS.darkBelow) return say('too_dark');
  if (m.brightness > LIMITS.brightAbove) return say('too_bright');
  const share = face.width / m.width;
  if (share < LIMITS.minFaceShare) return say('come_closer');
  if (share > LIMITS.maxFaceShare) return say('move_back');
  const dx = (face.x + face.width / 2 - m.width / 2) / m.width;
  const dy = (face.y + face.height / 2 - m.height / 2) / m.height;
  if (Math.hypot(dx, dy) > LIMITS.offCentre) return say('centre');
  if (!m.previous) return say('hold_still');
  const moved = Math.hypot(face.x - m.previous.x, face.y - m.previous.y) / face.width;
  return say(moved > LIMITS.moved ? 'hold_still' : 'good');
}

/** Mean luma (BT.601) of a region of RGBA pixels, sampling every `step`-th pixel. */
export function meanLuma(rgba: Uint8ClampedArray, step = 4): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < rgba.length; i += 4 * step) {
    sum += 0.299 * rgba[i]! + 0.587 * rgba[i + 1]! + 0.114 * rgba[i + 2]!;
    n++;
  }
  return n === 0 ? 0 : sum / n;
}
