import { checkQuality, DEFAULT_QUALITY_GATES, distanceToPerson, type Encoding, type FaceQuality } from '@facegate/face-core';
import type { ActiveModel } from '../../recognizer/gallery.ts';
import type { Recognizer } from '../../recognizer/pool.ts';
import { encodeEncoding } from '../../db/codecs.ts';
import type { DataCipher } from '../../db/sealed.ts';
import { CHOSEN_OTHERS_NOTE, photoFacesOf, serializePhotoFaces, type PhotoFaces } from '../photo-faces.ts';
import type { Prisma } from '../../db/prisma.ts';

/** Why a photo is not enrolled, in words an administrator understands. */
export interface RejectedPhoto {
  readonly index: number;
  readonly filename: string;
  readonly code: string;
  readonly message: string;
  /** DUPLICATE_FACE: the enrolled person this face was taken for, and how near; ALREADY_ENROLLED: the person it is already a sample of. */
  readonly duplicateOf?: { readonly personId: string; readonly distance: number };
  /** What the detector saw (every face, with boxes), when the photo could be decoded. */
  readonly photo?: PhotoFaces | null;
  /** The face's measures, when one face was found (the quality gates' pass/fail is shown from them). */
  readonly quality?: FaceQuality;
}

/** The enrolled person (other than `self`) a new face would be taken for, if any (composition.ts). */
export type DuplicateFinder = (encoding: Encoding, self: string | null) => { personId: string; name: string; distance: number } | null;

/** How far (L2, in the encoder's space) a face is from one of the person's own samples, or Infinity (composition.ts). */
export type OwnSampleDistance = (encoding: Encoding, personId: string) => number;

/**
 * Under this distance from one of the same person's samples, a photo is the one already enrolled (the
 * same file, or the same picture re-encoded): reported ALREADY_ENROLLED and not stored again. Measured
 * (docs/dashboard.md): the same bytes 0.000, the same photo resized to 90 % and re-saved at JPEG quality 70
 * 0.024; the nearest two different photos of one person among deepface's 134 same-person pairs 0.139.
 */
export const SAME_PHOTO_DISTANCE = 0.06;

/** A box in the photo's decoded pixels: the face an administrator chose in a photo of several people. */
export interface FaceBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A photo to enrol; `face`: the face chosen in a photo of several (the detected face that overlaps it most). */
export interface PhotoInput {
  readonly filename: string;
  readonly bytes: Uint8Array;
  readonly face?: FaceBox | null;
}

/** Intersection over union of two boxes. */
function overlap(a: FaceBox, b: FaceBox): number {
  const w = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const h = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  return (w * h) / (a.width * a.height + b.width * b.height - w * h);
}

/** A chosen box matches a detected face from this overlap (the same face seen at two detector settings overlaps far more). */
const CHOSEN_FACE_OVERLAP = 0.5;

/** The enrolment rules applied to photos: one usable face each, the quality gates, no duplicate. */
export function createPhotoAnalysis(deps: {
  prisma: Prisma;
  cipher: DataCipher;
  recognizer: Recognizer;
  activeModel?: () => ActiveModel;
  findDuplicate: DuplicateFinder;
  ownSampleDistance: OwnSampleDistance;
}) {
  const { prisma, cipher, recognizer, findDuplicate, ownSampleDistance } = deps;

  /**
   * The face engine's answer for every photo, in parallel on the pool (the downscaled original included:
   * it is kept beside the chip). A photo with a face chosen is searched for every face, small ones too.
   */
  const recognize = (photos: readonly PhotoInput[]) =>
    Promise.all(photos.map((photo) => recognizer.analyze({ image: photo.bytes, faces: photo.face ? 'all' : 'one', original: true })));

  /**
   * Runs the face engine on every photo (in parallel, on the pool) and applies the enrolment rules: the
   * probe quality gates (a weak reference makes every later comparison weak), and no face that an
   * enrolled person other than `self` would be taken for, unless `allowDuplicates`. A photo already
   * enrolled for `self` (or given twice in this batch) is reported ALREADY_ENROLLED and stored once:
   * importing the same archive twice, or two identical webcam frames, add nothing.
   */
  async function analyze(photos: readonly PhotoInput[], self: string | null, allowDuplicates: boolean, recognized = recognize(photos)) {
    const rejected: RejectedPhoto[] = [];
    const selfName = self ? (await prisma.person.findUnique({ where: { id: self }, select: { name: true } }))?.name : undefined;
    // This batch's faces kept so far (encoder encodings), with their file names.
    const kept: { encoding: Encoding; filename: string }[] = [];
    const samples: Omit<Parameters<typeof prisma.faceSample.create>[0]['data'] & { personId: string }, 'personId' | 'person'>[] = [];
    const results = await recognized;
    results.forEach((result, index) => {
      const { filename, face: chosen } = photos[index]!;
      let photo = photoFacesOf(result.photo, chosen ? 'largest' : 'one');
      if (!result.ok) {
        // Several faces: how many were found, and that the smallest may not be (the admin may choose one).
        const found = photo?.faces.length ?? 0;
        const message =
          result.code === 'MULTIPLE_FACES' && found > 1
            ? `${found} faces were found in this photo (very small faces may be missed): choose the face to enrol, or use a photo of the person alone`
            : result.message;
        return void rejected.push({ index, filename, code: result.code, message, photo });
      }
      let pick = 0;
      if (chosen && photo) {
        const overlaps = photo.faces.map((f) => overlap(f, chosen));
        pick = overlaps.indexOf(Math.max(...overlaps));
        if (!(overlaps[pick]! >= CHOSEN_FACE_OVERLAP)) {
          return void rejected.push({
            index,
            filename,
            code: 'NO_SUCH_FACE',
            message: `no face was found where the face was chosen (${photo.faces.length} ${photo.faces.length === 1 ? 'face' : 'faces'} found in this photo)`,
            photo: { ...photo, used: null },
          });
        }
        photo = { ...photo, used: pick, othersNote: photo.faces.length > 1 ? CHOSEN_OTHERS_NOTE : null };
      }
      const face = result.faces[pick]!;
      // Compared (duplicates) and stored only in the gallery's encoder: a mismatch is a fault, not a photo's.
      const active = deps.activeModel?.();
      const encoder = active ? (active.head?.encoderModelId ?? active.model) : result.model;
      if (result.model !== encoder) throw new Error(`the photo was encoded with ${result.model}; the gallery holds ${encoder}'s encodings`);
      const quality = checkQuality(face.quality, DEFAULT_QUALITY_GATES);
      if (!quality.pass)
        return void rejected.push({ index, filename, code: quality.reason, message: quality.message, photo, quality: face.quality });
      const own = self ? ownSampleDistance(face.encoding, self) : Number.POSITIVE_INFINITY;
      if (own < SAME_PHOTO_DISTANCE) {
        return void rejected.push({
          index,
          filename,
          code: 'ALREADY_ENROLLED',
          message: `this photo is already enrolled for ${selfName ?? 'this person'} (distance ${own.toFixed(3)} from one of their samples): not stored again`,
          duplicateOf: { personId: self!, distance: own },
          photo,
          quality: face.quality,
        });
      }
      const twin = kept.findIndex((k) => distanceToPerson(face.encoding, [k.encoding], 'nearest') < SAME_PHOTO_DISTANCE);
      if (twin >= 0) {
        return void rejected.push({
          index,
          filename,
          code: 'ALREADY_ENROLLED',
          message: `this photo is the same as ${kept[twin]!.filename}, given in this batch: stored once`,
          photo,
          quality: face.quality,
        });
      }
      const duplicate = allowDuplicates ? null : findDuplicate(face.encoding, self);
      if (duplicate) {
        return void rejected.push({
          index,
          filename,
          code: 'DUPLICATE_FACE',
          message: `this face matches ${duplicate.name} (distance ${duplicate.distance.toFixed(3)}); enrol it anyway only if they are different people`,
          duplicateOf: { personId: duplicate.personId, distance: duplicate.distance },
          photo,
          quality: face.quality,
        });
      }
      kept.push({ encoding: face.encoding, filename });
      // Stored in the model decisions use now (a learned head applied to the encoder's encoding).
      samples.push({
        encoding: cipher.seal(encodeEncoding(active?.head ? active.head.apply(face.encoding) : face.encoding)),
        model: active?.head ? active.model : result.model,
        thumbnail: cipher.seal(face.thumbnail),
        detectionScore: face.score,
        eyeDistancePx: face.quality.eyeDistancePx,
        sharpness: face.quality.sharpness,
        brightness: face.quality.brightness,
        yawDeg: face.quality.yawDeg,
        pitchDeg: face.quality.pitchDeg,
        original: result.original ? cipher.seal(result.original) : null,
        photoFaces: serializePhotoFaces(photo),
      });
    });
    return { samples, rejected };
  }

  return { recognize, analyze };
}
