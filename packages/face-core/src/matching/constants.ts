/**
 * The distance under which two encodings are the same person, calibrated for the dlib ResNet (mirror
 * averaged, 5-point alignment) on LFW View 1 DevTrain: the best-accuracy threshold there is 0.412
 * (99.27 % of 2200 pairs; `facegate eval lfw --pairs pairsDevTrain.txt`). The exercise's 0.7 belongs to
 * its own FaceNet and does not transfer.
 */
export const DEFAULT_THRESHOLD = 0.412;

/** How a person's several enrolled encodings are compared with a probe. */
export type GalleryRule = 'nearest' | 'centroid' | 'mean-distance';

export const DEFAULT_GALLERY_RULE: GalleryRule = 'nearest';
