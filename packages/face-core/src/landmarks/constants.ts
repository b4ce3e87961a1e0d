export interface LandmarkConfig {
  /** Side of the square crop the landmark network sees (face-api's 68-point net takes 112). */
  readonly inputSize: number;
  /** The crop is the detector's box enlarged by this factor around its centre. */
  readonly boxScale: number;
  /** Directory holding face_landmark_68_model*; defaults to @vladmandic/face-api's model folder. */
  readonly modelDir?: string;
}

export const DEFAULT_LANDMARK_CONFIG: LandmarkConfig = {
  inputSize: 112,
  boxScale: 1.2,
};
