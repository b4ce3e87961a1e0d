import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelLoadError } from '../errors.ts';

/** One weight of a TensorFlow.js model, decoded to full precision. */
export interface Weight {
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | string;
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16' | string; scale?: number; min?: number };
}

export interface WeightGroup {
  paths: string[];
  weights: WeightSpec[];
}

/**
 * Reads the weights a TensorFlow.js manifest describes (face-api's `*-weights_manifest.json`, or a graph
 * model's `weightsManifest`), from the shard files beside it, and decodes them exactly as TensorFlow.js
 * does (uint8/uint16 quantization `q * scale + min`, float16 widened), without loading TensorFlow.js.
 */
export async function readWeights(groups: readonly WeightGroup[], dir: string): Promise<Map<string, Weight>> {
  const weights = new Map<string, Weight>();
  for (const group of groups) {
    let bytes: Buffer;
    try {
      bytes = Buffer.concat(await Promise.all(group.paths.map((p) => readFile(path.join(dir, p)))));
    } catch (cause) {
      throw new ModelLoadError(`cannot read the weights of ${dir}`, { cause });
    }
    let offset = 0;
    for (const spec of group.weights) {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const width = bytesPerValue(spec);
      if (offset + size * width > bytes.length) throw new ModelLoadError(`weight ${spec.name} runs past the end of its shards in ${dir}`);
      // Copied out so the values are aligned for their typed array.
      const raw = new Uint8Array(bytes.subarray(offset, offset + size * width)).buffer;
      weights.set(spec.name, { shape: spec.shape, data: decode(spec, raw) });
      offset += size * width;
    }
  }
  return weights;
}

/** Reads face-api's `<name>-weights_manifest.json` and its shards from `dir`. */
export async function readFaceApiWeights(dir: string, name: string): Promise<Map<string, Weight>> {
  const manifest = path.join(dir, `${name}-weights_manifest.json`);
  let groups: WeightGroup[];
  try {
    groups = JSON.parse(await readFile(manifest, 'utf8'));
  } catch (cause) {
    throw new ModelLoadError(`cannot read model ${manifest}`, { cause });
  }
  return readWeights(groups, dir);
}

/** The files a face-api model's weights come from: its manifest and the shards it lists. */
export async function faceApiWeightFiles(dir: string, name: string): Promise<string[]> {
  const manifest = path.join(dir, `${name}-weights_manifest.json`);
  let groups: WeightGroup[];
  try {
    groups = JSON.parse(await readFile(manifest, 'utf8'));
  } catch (cause) {
    throw new ModelLoadError(`cannot read model ${manifest}`, { cause });
  }
  return [manifest, ...groups.flatMap((g) => g.paths.map((p) => path.join(dir, p)))];
}

/** Looks a weight up, checking its shape when one is given. */
export function weight(weights: ReadonlyMap<string, Weight>, name: string, shape?: readonly number[]): Float32Array {
  const w = weights.get(name);
  if (!w) throw new ModelLoadError(`the model has no weight ${name}`);
  if (shape && (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i]))) {
    throw new ModelLoadError(`weight ${name} has shape [${w.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
  if (!(w.data instanceof Float32Array)) throw new ModelLoadError(`weight ${name} is not float32`);
  return w.data;
}

function bytesPerValue(spec: WeightSpec): number {
  const q = spec.quantization?.dtype;
  if (q === 'uint8') return 1;
  if (q === 'uint16' || q === 'float16') return 2;
  if (q !== undefined) throw new ModelLoadError(`weight ${spec.name}: unknown quantization ${q}`);
  if (spec.dtype === 'float32' || spec.dtype === 'int32') return 4;
  throw new ModelLoadError(`weight ${spec.name}: unsupported dtype ${spec.dtype}`);
}

function decode(spec: WeightSpec, raw: ArrayBuffer): Float32Array | Int32Array {
  const q = spec.quantization;
  if (!q) return spec.dtype === 'int32' ? new Int32Array(raw) : new Float32Array(raw);
  if (q.dtype === 'float16') {
    if (spec.dtype !== 'float32') throw new ModelLoadError(`weight ${spec.name}: float16 quantization of ${spec.dtype}`);
    const halves = new Uint16Array(raw);
    const values = new Float32Array(halves.length);
    for (let i = 0; i < halves.length; i++) values[i] = halfToFloat(halves[i]!);
    return values;
  }
  const { scale, min } = q;
  if (scale === undefined || min === undefined)
    throw new ModelLoadError(`weight ${spec.name}: ${q.dtype} quantization without scale and min`);
  const quantized = q.dtype === 'uint8' ? new Uint8Array(raw) : new Uint16Array(raw);
  // Plain loops: typed arrays' from() with a mapping function is several times slower in V8.
  const values = spec.dtype === 'int32' ? new Int32Array(quantized.length) : new Float32Array(quantized.length);
  const round = spec.dtype === 'int32';
  for (let i = 0; i < quantized.length; i++) values[i] = round ? Math.round(quantized[i]! * scale + min) : quantized[i]! * scale + min;
  return values;
}

/** IEEE 754 half precision to a number (exact: every half is a float32). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
