import type { PhotoFacesFieldsFragment, QualityCheckFieldsFragment } from '@/generated/graphql';

/** What the API's detector saw in a photo (lib/fragments.ts's PhotoFacesFields): its size and every face, the one used marked. */
export type PhotoFacesView = PhotoFacesFieldsFragment;
export type FaceBoxView = PhotoFacesView['faces'][number];

/** One enrolment quality gate measured on a face (QualityCheckFields). */
export type QualityCheckView = QualityCheckFieldsFragment;

// Hand-written field lists for enroll/actions.ts until it uses the fragments above.
export const PHOTO_FIELDS = 'width height faceCount faces { x y width height score used note }';
export const QUALITY_FIELDS = 'reason measure value bound limit pass';

/** The measures the API names (QualityCheck.measure is a String in the schema). */
const MEASURES: Record<string, { label: string; unit: string; digits: number } | undefined> = {
  eyeDistancePx: { label: 'Eye distance', unit: ' px', digits: 1 },
  sharpness: { label: 'Sharpness', unit: '', digits: 1 },
  yawDeg: { label: 'Head turn', unit: '°', digits: 0 },
  pitchDeg: { label: 'Head tilt', unit: '°', digits: 0 },
  brightness: { label: 'Brightness', unit: '', digits: 0 },
};

/** "Sharpness 38.7, at least 6" / "Head turn -26°, at most ±55°": the figure beside its limit. */
export function qualityCheckText(check: QualityCheckView): { label: string; figure: string; limit: string } {
  const m = MEASURES[check.measure] ?? { label: check.measure, unit: '', digits: 1 };
  const angle = check.measure === 'yawDeg' || check.measure === 'pitchDeg';
  return {
    label: m.label,
    figure: `${check.value.toFixed(m.digits)}${m.unit}`,
    limit: `${check.bound === 'min' ? 'at least' : 'at most'} ${angle ? '±' : ''}${check.limit}${m.unit}`,
  };
}

/** One sentence about the faces found, for a screen reader and a caption: "2 faces found; face 1 was used." */
export function facesSummary(photo: PhotoFacesView, usedLabel = 'used'): string {
  if (photo.faceCount === 0) return 'No face found in this photo.';
  const used = photo.faces.findIndex((f) => f.used);
  const count = photo.faceCount === 1 ? '1 face found' : `${photo.faceCount} faces found`;
  return used >= 0 ? `${count}; face ${used + 1} was ${usedLabel}.` : `${count}; none was ${usedLabel}.`;
}
