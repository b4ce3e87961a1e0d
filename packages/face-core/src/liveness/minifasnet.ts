import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ModelLoadError } from '../errors.ts';
import type { Box } from '../geometry.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { createOnnxNetwork, type OnnxNetwork } from '../onnx/session.ts';

/**
 * Minivision's two MiniFASNet presentation-attack networks (Apache-2.0; see models/minifasnet/README.md
 * for where they come from). Each sees the photo around the face at its own zoom; their "real face"
 * probabilities are averaged, as upstream does.
 */
export const MINIFASNET_MODELS = [
  { file: '2.7_80x80_MiniFASNetV2.onnx', zoom: 2.7 },
  { file: '4_0_0_80x80_MiniFASNetV1SE.onnx', zoom: 4.0 },
] as const;

export const MINIFASNET_INPUT_SIZE = 80;
/** Output logits: [other attack, real face, print/replay]; class 1 is a real face. */
const REAL_CLASS = 1;

export const MINIFASNET_DIR = fileURLToPath(new URL('../../models/minifasnet/', import.meta.url));

export interface MiniFasNetConfig {
  /** Folder holding the two .onnx files (default: the copies shipped in face-core's models/). */
  readonly dir: string;
}

export interface MiniFasNet {
  /** The mean of both networks' real-face probabilities, in [0, 1], for the face in `box` (photo pixels). */
  score(photo: RgbImage, box: Box): Promise<number>;
  /** Each network's real-face probability, in MINIFASNET_MODELS' order. */
  networkScores(photo: RgbImage, box: Box): Promise<number[]>;
  dispose(): Promise<void>;
}

/**
 * The region upstream crops (its `CropImage._get_new_box`): the face box scaled by `zoom` around its
 * centre (less when the photo is too small for it), shifted to lie inside the photo, never padded.
 */
export function zoomedBox(box: Box, zoom: number, width: number, height: number): Box {
  const scale = Math.min((height - 1) / box.height, (width - 1) / box.width, zoom);
  const w = box.width * scale;
  const h = box.height * scale;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const x = Math.min(Math.max(cx - w / 2, 0), width - 1 - w);
  const y = Math.min(Math.max(cy - h / 2, 0), height - 1 - h);
  return { x: Math.max(0, x), y: Math.max(0, y), width: w, height: h };
}

/**
 * The network's input: `region` resized to 80x80 by plain bilinear interpolation (OpenCV's INTER_LINEAR,
 * which is what the networks were trained on: no smoothing before shrinking), BGR, raw 0..255,
 * NCHW [1, 3, 80, 80].
 */
export function minifasnetInput(photo: RgbImage, region: Box, size = MINIFASNET_INPUT_SIZE): Float32Array {
  const { data, width, height } = photo;
  const out = new Float32Array(3 * size * size);
  const plane = size * size;
  const sx = (region.width + 1) / size;
  const sy = (region.height + 1) / size;
  for (let v = 0; v < size; v++) {
    const fy = Math.min(Math.max(region.y + (v + 0.5) * sy - 0.5, 0), height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, height - 1);
    const wy = fy - y0;
    for (let u = 0; u < size; u++) {
      const fx = Math.min(Math.max(region.x + (u + 0.5) * sx - 0.5, 0), width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, width - 1);
      const wx = fx - x0;
      const a = (y0 * width + x0) * 3;
      const b = (y0 * width + x1) * 3;
      const c = (y1 * width + x0) * 3;
      const d = (y1 * width + x1) * 3;
      const at = v * size + u;
      for (let ch = 0; ch < 3; ch++) {
        const top = data[a + ch]! + (data[b + ch]! - data[a + ch]!) * wx;
        const bottom = data[c + ch]! + (data[d + ch]! - data[c + ch]!) * wx;
        // RGB in, BGR out: channel 0 of the tensor is blue.
        out[(2 - ch) * plane + at] = top + (bottom - top) * wy;
      }
    }
  }
  return out;
}

function softmax(logits: Float32Array): number[] {
  const max = Math.max(...logits);
  const e = Array.from(logits, (v) => Math.exp(v - max));
  const sum = e.reduce((s, v) => s + v, 0);
  return e.map((v) => v / sum);
}

export async function load(config: Partial<MiniFasNetConfig> = {}): Promise<MiniFasNet> {
  const dir = config.dir ?? MINIFASNET_DIR;
  const networks: { net: OnnxNetwork; zoom: number }[] = [];
  try {
    for (const { file, zoom } of MINIFASNET_MODELS) {
      const file_ = `${dir.replace(/\/?$/, '/')}${file}`;
      if (!existsSync(file_)) throw new ModelLoadError(`liveness network ${file_} is missing`);
      // One thread: on an 80x80 input, splitting each layer across threads costs more than it saves
      // (1.9 ms a network on one thread against 7-8 ms on two, with the machine busy).
      networks.push({ net: await createOnnxNetwork(file_, file, { threads: 1 }), zoom });
    }
  } catch (error) {
    await Promise.all(networks.map((n) => n.net.dispose()));
    throw error;
  }
  async function networkScores(photo: RgbImage, box: Box): Promise<number[]> {
    const scores: number[] = [];
    // [1, 3, 80, 80] -> [1, 3] logits, one network after the other (batch is fixed at 1).
    for (const { net, zoom } of networks) {
      const region = zoomedBox(box, zoom, photo.width, photo.height);
      const { data } = await net.run(minifasnetInput(photo, region), [1, 3, MINIFASNET_INPUT_SIZE, MINIFASNET_INPUT_SIZE]);
      scores.push(softmax(data)[REAL_CLASS]!);
    }
    return scores;
  }
  return {
    networkScores,
    async score(photo, box) {
      const scores = await networkScores(photo, box);
      return scores.reduce((s, v) => s + v, 0) / scores.length;
    },
    async dispose() {
      await Promise.all(networks.map((n) => n.net.dispose()));
    },
  };
}
