/**
 * The distance under which two encodings are the same person, calibrated for the dlib ResNet with
 * our 5-point alignment on LFW View 1 DevTrain (`facegate eval lfw`, best accuracy threshold).
 * The exercise's 0.7 belongs to its own FaceNet and does not transfer.
 */
export const DEFAULT_THRESHOLD = 0.45;

/** How a person's several enrolled encodings are compared with a probe. */
export type GalleryRule = 'nearest' | 'centroid' | 'mean-distance';

export const DEFAULT_GALLERY_RULE: GalleryRule = 'nearest';
