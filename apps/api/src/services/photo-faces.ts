import type { PhotoSeen } from '@facegate/face-core';

/** One face the detector found, in the photo's decoded pixels. */
export interface FoundFace {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly score: number;
}

/**
 * What the detector saw in one photo, as stored (JSON) and answered: the photo's size, every face
 * (largest first), which one was used (null: none, e.g. a refused multi-face enrolment photo) and why
 * the others were not.
 */
export interface PhotoFaces {
  readonly width: number;
  readonly height: number;
  readonly faces: readonly FoundFace[];
  readonly used: number | null;
  /** Why the faces other than the used one were not used (one reason for all of them). */
  readonly othersNote: string | null;
}

/** Verification and identification compare the largest face; the others are shown, never silently dropped. */
export const SMALLER_FACE_NOTE = 'not compared: a smaller face than the one used (the largest face in the photo is compared)';
/** Enrolment needs the person alone in the photo: a second face may be the one enrolled by mistake. */
export const SEVERAL_FACES_NOTE = 'not enrolled: the photo shows several faces; enrol a photo of this person alone';

/** Enrolment of a face the administrator chose in a photo of several people. */
export const CHOSEN_OTHERS_NOTE = 'not enrolled: another face of this photo was chosen';

const round = (n: number) => Math.round(n * 10) / 10;

/** The engine's detections as stored: boxes to 0.1 px, scores to 3 decimals. */
export function photoFacesOf(seen: PhotoSeen | undefined, mode: 'largest' | 'one'): PhotoFaces | null {
  if (!seen?.detections) return null;
  const faces = seen.detections.map(({ box, score }) => ({
    x: round(box.x),
    y: round(box.y),
    width: round(box.width),
    height: round(box.height),
    score: Math.round(score * 1000) / 1000,
  }));
  const several = faces.length > 1;
  if (mode === 'one' && several) return { width: seen.width, height: seen.height, faces, used: null, othersNote: SEVERAL_FACES_NOTE };
  return {
    width: seen.width,
    height: seen.height,
    faces,
    used: faces.length > 0 ? 0 : null,
    othersNote: several ? SMALLER_FACE_NOTE : null,
  };
}

export function serializePhotoFaces(photo: PhotoFaces | null): string | null {
  return photo ? JSON.stringify(photo) : null;
}

/** A stored value back; anything unreadable is treated as not kept. */
export function parsePhotoFaces(json: string | null | undefined): PhotoFaces | null {
  if (!json) return null;
  try {
    const value = JSON.parse(json) as PhotoFaces;
    return typeof value.width === 'number' && Array.isArray(value.faces) ? value : null;
  } catch {
    return null;
  }
}

/** The same photo with only the face used: what a caller without faces:read may see (a door needs no one else's box). */
export function onlyUsedFace(photo: PhotoFaces): PhotoFaces {
  const used = photo.used !== null ? photo.faces[photo.used] : undefined;
  return { ...photo, faces: used ? [used] : [], used: used ? 0 : null, othersNote: null };
}
