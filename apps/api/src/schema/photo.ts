import { DEFAULT_QUALITY_GATES, qualityChecks, type FaceQuality, type QualityCheck } from '@facegate/face-core';
import { builder } from '../builder.ts';
import type { FoundFace, PhotoFaces } from '../services/photo-faces.ts';

type FaceBoxModel = FoundFace & { used: boolean; note: string | null };

const FaceBoxRef = builder.objectRef<FaceBoxModel>('FaceBox').implement({
  description: 'A face the detector found, in the photo’s pixels (as decoded: EXIF orientation applied, downscaled to at most 2048 px).',
  fields: (t) => ({
    x: t.exposeFloat('x'),
    y: t.exposeFloat('y'),
    width: t.exposeFloat('width'),
    height: t.exposeFloat('height'),
    score: t.exposeFloat('score', { description: 'The detector’s confidence, 0-1.' }),
    used: t.exposeBoolean('used', { description: 'The face compared or enrolled.' }),
    note: t.exposeString('note', { nullable: true, description: 'Why this face was not used.' }),
  }),
});

export const PhotoFacesRef = builder.objectRef<PhotoFaces>('PhotoFaces').implement({
  description:
    'What the detector saw in a photo: its size and every face found, largest first, the one used marked. Without faces:read only the face used is listed.',
  fields: (t) => ({
    width: t.exposeInt('width', { description: 'The photo’s width in the pixels the boxes are in.' }),
    height: t.exposeInt('height'),
    faceCount: t.int({ description: 'Faces found (all of them, whatever is listed).', resolve: (p) => p.faces.length }),
    faces: t.field({
      type: [FaceBoxRef],
      resolve: (p) => p.faces.map((face, i) => ({ ...face, used: p.used === i, note: p.used === i ? null : p.othersNote })),
    }),
  }),
});

export const QualityCheckRef = builder.objectRef<QualityCheck>('QualityCheck').implement({
  description:
    'One enrolment quality gate measured on a face: the figure, the limit and whether it passes (face-core’s decision/constants.ts).',
  fields: (t) => ({
    reason: t.exposeString('reason', { description: 'The refusal when it fails: FACE_TOO_SMALL, TOO_BLURRY, POSE, TOO_DARK, TOO_BRIGHT.' }),
    measure: t.exposeString('measure', { description: 'eyeDistancePx, sharpness, yawDeg, pitchDeg or brightness.' }),
    value: t.exposeFloat('value'),
    bound: t.exposeString('bound', { description: 'min: at least the limit; max: at most (yaw and pitch: their absolute value).' }),
    limit: t.exposeFloat('limit'),
    pass: t.exposeBoolean('pass'),
  }),
});

/** The gates' verdicts for a face's measures, against the enrolment gates (none when nothing was measured). */
export function checksOf(quality: Partial<FaceQuality> | null | undefined): QualityCheck[] {
  return quality ? qualityChecks(quality, DEFAULT_QUALITY_GATES) : [];
}
