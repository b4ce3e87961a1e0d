/**
 * The distance under which two encodings are the same person, calibrated for the dlib ResNet (mirror
 * averaged, 5-point alignment) on LFW View 1 DevTrain: the best-accuracy threshold there is 0.412
 * (99.27 % of 2200 pairs; `facegate eval lfw --pairs pairsDevTrain.txt`). The exercise's 0.7 belongs to
 * its own FaceNet and does not transfer.
 */
export const DEFAULT_THRESHOLD = 0.412;

/**
 * How a person's several enrolled encodings are compared with a probe: the nearest one, the normalised
 * mean, the mean distance, or a soft minimum (-T log mean exp(-d/T)) that follows the nearest sample
 * but lets the others count. On celeba-dev (70 enrolled with 3 photos, 30 strangers) the soft minimum
 * misses 12 % of enrolled people's photos where strangers get in 1 % of the time, against 22 % for
 * the nearest sample, 16 % for the centroid and 17 % for the mean distance (`facegate eval open-set`).
 */
export type GalleryRule = 'nearest' | 'soft-nearest' | 'centroid' | 'mean-distance';

export const DEFAULT_GALLERY_RULE: GalleryRule = 'soft-nearest';

/** The soft minimum's temperature T (in L2 distance): 0.05 was best on celeba-dev and no worse on LFW View 1. */
export const SOFT_NEAREST_TEMPERATURE = 0.05;
