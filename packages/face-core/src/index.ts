// The public surface of @facegate/face-core: photos in, encodings and decisions out.
export { initBackend, packageDir, type BackendName, int8Available } from './backend.ts';
export {
  createFaceEngine,
  faceRefusal,
  type EncodedFace,
  type EngineConfig,
  type FaceEngine,
  type FacesWanted,
  type MultipleFacesPolicy,
  type PhotoAnalysis,
  type PhotoSeen,
  type StageTimings,
} from './engine.ts';
export { FaceError, ImageTooLargeError, InvalidImageError, ModelLoadError, MultipleFacesError, NoFaceError } from './errors.ts';
export { decodeImage, type ImageSource } from './image/decode.ts';
export type { RgbImage } from './image/rgb-image.ts';
export { intersectionOverUnion, type Box } from './geometry.ts';
export { createFaceLocator, type FaceLocator, type FrameFaces, type LocatedFace } from './face-locator.ts';
export type { DetectedFace } from './detection/blazeface.ts';
export { estimatePose, type FaceQuality } from './quality.ts';
export {
  ENCODER_MODEL_ID,
  ENCODING_LENGTH,
  encoderModelId,
  encoderPrecision,
  precisionOfModel,
  useEncoderPrecision,
  type EncoderPrecision,
} from './encoding/constants.ts';
export { exactInt8 } from './onnx/cpu.ts';
export { l2Distance, l2Normalize } from './ops/l2.ts';
export { tripletLoss, type EncodingBatch } from './ops/triplet-loss.ts';
export { DEFAULT_GALLERY_RULE, DEFAULT_THRESHOLD, SOFT_NEAREST_TEMPERATURE, type GalleryRule } from './matching/constants.ts';
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
export { checkQuality, qualityChecks, type QualityCheck, type QualityReason, type QualityVerdict } from './decision/quality-gate.ts';
export { DEFAULT_DECISION_CONFIG, DEFAULT_QUALITY_GATES, type DecisionConfig, type QualityGates } from './decision/constants.ts';
export {
  decideIdentification,
  decideVerification,
  decisionThresholds,
  nearestPeople,
  type DecisionGallery,
  type DecisionOutcome,
  type DecisionReason,
  type FaceDecision,
  type FrameVerdict,
  type ProbeFace,
} from './decision/decide.ts';
export { findDuplicate } from './decision/duplicates.ts';
export {
  adaptationRefusal,
  DEFAULT_ADAPTATION_CONFIG,
  withAdaptiveSample,
  type AdaptationConfig,
  type AdaptationContext,
  type AdaptationRefusal,
} from './decision/adaptive.ts';
export { DEFAULT_ANN_THRESHOLD, GalleryMatrix, type GalleryMatrixOptions, type SearchableGallery } from './gallery/gallery-matrix.ts';
export {
  FALSE_MATCH_CURVES,
  falseMatchCurve,
  fusedBursts,
  FALSE_MATCH_CURVE_MODEL,
  FALSE_MATCH_CURVE_SOURCE,
  calibrate,
  falseMatchRateAt,
  falseMatchRateForGallery,
  thresholdForFalseMatchRate,
  type CalibrationReport,
  type FalseMatchPoint,
} from './decision/calibration.ts';
export { encodeOpenSet, scoreOpenSet, type OpenSetData, type OpenSetReport } from './evaluation/open-set.ts';
export { evaluateLfw, type LfwReport } from './evaluation/lfw.ts';
export { parsePairList, type LabeledPair, type PairList } from './evaluation/pairs.ts';
export { facesDir, hasFaces } from './faces-dir.ts';
export {
  livenessPointsFor,
  load as loadLiveness,
  readOperatingPoints as readLivenessOperatingPoints,
  type LivenessChecker,
  type LivenessFace,
  type LivenessResult,
  type OperatingPoints,
} from './liveness/liveness.ts';
export {
  DEFAULT_LIVENESS_CONFIG,
  DOOR_CALIBRATION_STEP_UP,
  LIVENESS_MODEL_ID,
  type LivenessConfig,
  type LivenessOperatingPoint,
  type LivenessPoints,
  type LivenessVerdict,
} from './liveness/constants.ts';
export { doorLivePoint, livenessScore, livenessVerdict } from './liveness/score.ts';
export { readPadDir, type PadSample } from './liveness/dataset.ts';
export { fuseLivenessScores } from './liveness/fusion.ts';
export { ratesAt, type LivenessRates, type ScoredPhoto } from './liveness/evaluate.ts';
export {
  DEFAULT_TRAINING_CONFIG,
  SITE_CAMERA,
  TRIPLET_ALPHA,
  type CameraCondition,
  type Mining,
  type TrainingConfig,
} from './learning/constants.ts';
export {
  fromArtefact as headFromArtefact,
  headArtefact,
  load as loadHead,
  saveHead,
  withHead,
  type EncodingHead,
  type HeadArtefact,
} from './learning/head.ts';
export { heldOutLoss, trainHead, type EpochStats, type TrainingResult } from './learning/train.ts';
export { degradePhoto, load as loadViewEncoder, readLabelledViews, type FaceViews, type ViewEncoder } from './learning/views.ts';
export { encodingForModel, galleryForModel, type StoredEncoding } from './learning/model-version.ts';
