export interface EncoderConfig {
  /** Directory holding face_recognition_model*; defaults to @vladmandic/face-api's model folder. */
  readonly modelDir?: string;
  /** Faces encoded per network run. */
  readonly batchSize: number;
  /**
   * Also encode the mirror image of each chip and average the two: +0.5 % accuracy on LFW View 1
   * DevTrain (98.7 % -> 99.3 % on a quarter of it), at the cost of a second network pass.
   */
  readonly mirror: boolean;
}

export const DEFAULT_ENCODER_CONFIG: EncoderConfig = {
  batchSize: 16,
  mirror: true,
};

/** Identifies the network that produced an encoding; encodings of different models never compare. */
export const ENCODER_MODEL_ID = 'dlib-resnet-v1+mirror@face-api-1.7';

/** The dlib ResNet sees 150x150 chips aligned by alignment/templates.ts's dlibChipTemplate. */
export const ENCODER_INPUT_SIZE = 150;
export const ENCODING_LENGTH = 128;
