import { createHash } from 'node:crypto';
import int8Calibration from './dlib-resnet-int8-ranges.json' with { type: 'json' };
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
  /**
   * float32: the network as trained. int8: the same weights quantized (onnx/quantize.ts), about 3x faster
   * on ONNX Runtime with LFW and open-set figures within a few attempts of float32's (README); its
   * encodings are another model's, so a deployment chooses it before enrolling anyone.
   */
  readonly precision: EncoderPrecision;
}

export type EncoderPrecision = 'float32' | 'int8';

/** `FACEGATE_ENCODER_PRECISION` (float32 or int8), else float32. */
export function encoderPrecision(value = process.env.FACEGATE_ENCODER_PRECISION): EncoderPrecision {
  if (value === undefined || value === '' || value === 'float32') return 'float32';
  if (value === 'int8') return 'int8';
  throw new Error(`FACEGATE_ENCODER_PRECISION must be float32 or int8; got ${value}`);
}

export const DEFAULT_ENCODER_CONFIG: EncoderConfig = {
  batchSize: 16,
  mirror: true,
  precision: encoderPrecision(),
};

/**
 * Identifies the network that produced an encoding; encodings of different models never compare. The
 * int8 id names its calibration (a hash of the activation ranges): recalibrated, it computes another
 * function, and a deployment moves to it like to any other encoder.
 */
export function encoderModelId(precision: EncoderPrecision): string {
  if (precision === 'float32') return 'dlib-resnet-v1+mirror@face-api-1.7';
  const calibration = createHash('sha256').update(JSON.stringify(int8Calibration.ranges)).digest('hex').slice(0, 8);
  return `dlib-resnet-v1-int8.${calibration}+mirror@face-api-1.7`;
}

/** The model of this process's encoder (FACEGATE_ENCODER_PRECISION): what the API stores and compares. */
export const ENCODER_MODEL_ID = encoderModelId(DEFAULT_ENCODER_CONFIG.precision);

/** The dlib ResNet sees 150x150 chips aligned by alignment/templates.ts's dlibChipTemplate. */
export const ENCODER_INPUT_SIZE = 150;
export const ENCODING_LENGTH = 128;
