// The public surface of @facegate/face-core: photos in, encodings and decisions out.
export { initBackend, packageDir, type BackendName } from './backend.ts';
export {
  createFaceEngine,
  type EncodedFace,
  type EngineConfig,
  type FaceEngine,
  type MultipleFacesPolicy,
  type StageTimings,
} from './engine.ts';
export {
  FaceError,
  ImageTooLargeError,
  InvalidImageError,
  ModelLoadError,
  MultipleFacesError,
  NoFaceError,
} from './errors.ts';
export { decodeImage, type ImageSource } from './image/decode.ts';
export type { RgbImage } from './image/rgb-image.ts';
export type { Box } from './geometry.ts';
export type { DetectedFace } from './detection/blazeface.ts';
export type { FaceQuality } from './quality.ts';
export { ENCODER_MODEL_ID, ENCODING_LENGTH } from './encoding/constants.ts';
export { l2Distance, l2Normalize } from './ops/l2.ts';
export { tripletLoss } from './ops/triplet-loss.ts';
export { DEFAULT_GALLERY_RULE, DEFAULT_THRESHOLD, type GalleryRule } from './matching/constants.ts';
export {
  distanceToPerson,
  rankCandidates,
  verify,
  whoIsIt,
  type Candidate,
  type Encoding,
  type FaceDatabase,
  type Identification,
  type MatchOptions,
  type Verification,
} from './matching/match.ts';
export { evaluateLfw, type LfwReport } from './evaluation/lfw.ts';
export { parsePairList, type LabeledPair, type PairList } from './evaluation/pairs.ts';
export { facesDir, hasFaces } from './faces-dir.ts';
