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
   * encodings are another model's (the API keeps each database in the encoder it started with).
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

/** The precision whose encodings carry `modelId` (an encoder's id, without a head), or null for one this version does not compute. */
export function precisionOfModel(modelId: string): EncoderPrecision | null {
  return (['float32', 'int8'] as const).find((p) => encoderModelId(p) === modelId) ?? null;
}

// `let`: the API sets this process's encoder once it has read its database's (useEncoderPrecision);
// importers see the change (ES module bindings are live).
export let DEFAULT_ENCODER_CONFIG: EncoderConfig = {
  batchSize: 16,
  mirror: true,
  precision: encoderPrecision(),
};

/** The model of this process's encoder: FACEGATE_ENCODER_PRECISION, or the database's in the API. */
export let ENCODER_MODEL_ID = encoderModelId(DEFAULT_ENCODER_CONFIG.precision);

/** Makes `precision` this process's encoder: engines created after this, and ENCODER_MODEL_ID, follow. */
export function useEncoderPrecision(precision: EncoderPrecision): void {
  DEFAULT_ENCODER_CONFIG = { ...DEFAULT_ENCODER_CONFIG, precision };
  ENCODER_MODEL_ID = encoderModelId(precision);
}

/** The dlib ResNet sees 150x150 chips aligned by alignment/templates.ts's dlibChipTemplate. */
export const ENCODER_INPUT_SIZE = 150;
export const ENCODING_LENGTH = 128;
