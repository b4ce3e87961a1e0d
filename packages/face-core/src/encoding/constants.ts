export interface EncoderConfig {
  /** Directory holding face_recognition_model*; defaults to @vladmandic/face-api's model folder. */
  readonly modelDir?: string;
  /** Faces encoded per network run. */
  readonly batchSize: number;
}

export const DEFAULT_ENCODER_CONFIG: EncoderConfig = {
  batchSize: 16,
};

/** Identifies the network that produced an encoding; encodings of different models never compare. */
export const ENCODER_MODEL_ID = 'dlib-resnet-v1@face-api-1.7';

/** The dlib ResNet sees 150x150 chips aligned by alignment/templates.ts's dlibChipTemplate. */
export const ENCODER_INPUT_SIZE = 150;
export const ENCODING_LENGTH = 128;
