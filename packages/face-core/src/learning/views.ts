import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { BackendName } from '../backend.ts';
import { listGallery } from '../cli/gallery.ts';
import { createFaceEngine, type EngineConfig, type FaceEngine } from '../engine.ts';
import { DEFAULT_ENCODER_CONFIG, ENCODER_INPUT_SIZE, encoderModelId, ENCODING_LENGTH } from '../encoding/constants.ts';
import { loadOnnxDlibResNet, loadTensorFlowDlibResNet, type DlibResNetRunner } from '../encoding/dlib-resnet.ts';
import { FaceError } from '../errors.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { l2Normalize } from '../ops/l2.ts';
import type { FaceQuality } from '../quality.ts';
import { encodingCacheDir, type CameraCondition } from './constants.ts';

/** The largest face of a photo as the frozen encoder sees it: three views of one aligned chip. */
export interface FaceViews {
  /** What the engine returns (chip and mirror image summed, L2-normalised): what a head is applied to. */
  readonly encoding: number[];
  /** The chip alone and its mirror image alone, each L2-normalised: training augmentations. */
  readonly chip: number[];
  readonly mirror: number[];
  readonly quality: FaceQuality;
}

export interface ViewEncoderConfig {
  /** Where encodings are cached; default encodingCacheDir(). */
  readonly cacheDir?: string;
  readonly engine?: EngineConfig;
  readonly backend?: BackendName;
  /** Never run the networks: photos missing from the cache give undefined. */
  readonly cachedOnly?: boolean;
}

export interface ViewEncoder {
  /** The frozen encoder's model id; part of every cache key. */
  readonly modelId: string;
  /**
   * The largest face of the photo (after `condition`'s degradation, if given), or null when none is found.
   * Cached on disk by the photo's SHA-256, the condition and the model id. Undefined only with
   * `cachedOnly` when the photo is not cached.
   */
  encode(file: string, condition?: CameraCondition): Promise<FaceViews | null | undefined>;
  /** How many encode() calls ran the networks (the others came from the cache). */
  readonly computed: number;
  dispose(): void;
}

const SIZE = ENCODER_INPUT_SIZE;

/** The photo degraded as `condition`'s camera would take it (JPEG bytes). */
export async function degradePhoto(file: string | Uint8Array, condition: CameraCondition): Promise<Uint8Array> {
  const image = sharp(file).rotate();
  const { width = 0, height = 0 } = await sharp(file).metadata();
  return image
    .resize(Math.max(16, Math.round(width * condition.scale)), Math.max(16, Math.round(height * condition.scale)))
    .blur(condition.blurSigma)
    .linear(condition.gain, 0)
    .jpeg({ quality: condition.jpegQuality })
    .toBuffer();
}

function conditionKey(condition: CameraCondition | undefined): string {
  if (!condition) return 'clean';
  return `${condition.name}-s${condition.scale}-b${condition.blurSigma}-g${condition.gain}-q${condition.jpegQuality}`;
}

/**
 * The frozen encoder with its encodings cached on disk: the expensive part of training, done once. The
 * networks load on the first photo missing from the cache (a fully cached run loads none).
 */
export async function load(config: ViewEncoderConfig = {}): Promise<ViewEncoder> {
  const modelId = encoderModelId(config.engine?.encoder?.precision ?? DEFAULT_ENCODER_CONFIG.precision);
  const modelDir = path.join(config.cacheDir ?? encodingCacheDir(), modelId.replace(/[^A-Za-z0-9._+-]/g, '_'));
  let networks: Promise<{ engine: FaceEngine; runner: DlibResNetRunner }> | undefined;
  let computed = 0;

  const loadNetworks = async () => {
    const engine = await createFaceEngine({ ...config.engine, ...(config.backend ? { backend: config.backend } : {}) });
    if (engine.modelId !== modelId) throw new Error(`the engine is ${engine.modelId}, the cache expects ${modelId}`);
    try {
      const dir = config.engine?.encoder?.modelDir;
      return {
        engine,
        runner:
          engine.backend === 'onnx'
            ? await loadOnnxDlibResNet(dir, config.engine?.encoder?.precision ?? DEFAULT_ENCODER_CONFIG.precision)
            : await loadTensorFlowDlibResNet(dir),
      };
    } catch (error) {
      engine.dispose();
      throw error;
    }
  };

  async function compute(bytes: Uint8Array): Promise<FaceViews | null> {
    networks ??= loadNetworks();
    const { engine, runner } = await networks;
    let face;
    try {
      face = await engine.encodeFace(bytes, { multiple: 'largest' });
    } catch (error) {
      if (error instanceof FaceError) return null;
      throw error;
    }
    const raw = await runner.predict(chipPair(face.chip), 2);
    return {
      // the engine's own encoding: normalise(chip + mirror), as the raw outputs below
      encoding: face.encoding,
      chip: l2Normalize(raw.subarray(0, ENCODING_LENGTH)),
      mirror: l2Normalize(raw.subarray(ENCODING_LENGTH, 2 * ENCODING_LENGTH)),
      quality: face.quality,
    };
  }

  return {
    modelId,
    get computed() {
      return computed;
    },
    async encode(file, condition) {
      const bytes = await readFile(file);
      const hash = createHash('sha256').update(bytes).digest('hex');
      const cacheFile = path.join(modelDir, conditionKey(condition), `${hash}.json`);
      try {
        return (JSON.parse(await readFile(cacheFile, 'utf8')) as { face: FaceViews | null }).face;
      } catch {
        // not cached yet
      }
      if (config.cachedOnly) return undefined;
      computed++;
      const face = await compute(condition ? await degradePhoto(bytes, condition) : bytes);
      await mkdir(path.dirname(cacheFile), { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify({ modelId, condition: conditionKey(condition), face }));
      await rename(tmp, cacheFile);
      return face;
    },
    dispose() {
      void networks?.then(({ engine, runner }) => {
        runner.dispose();
        engine.dispose();
      });
    },
  };
}

/**
 * Every photo of a folder (folder = person, as listGallery reads it) through the view encoder: name ->
 * the faces found (photos without a face are left out and counted).
 */
export async function readLabelledViews(
  encoder: ViewEncoder,
  dir: string | ReadonlyMap<string, readonly string[]>,
  condition?: CameraCondition,
  onProgress?: (done: number, total: number) => void,
): Promise<{ people: Map<string, FaceViews[]>; photos: number; noFace: number; notCached: number }> {
  const gallery = typeof dir === 'string' ? await listGallery(dir) : dir;
  const total = [...gallery.values()].reduce((n, photos) => n + photos.length, 0);
  const people = new Map<string, FaceViews[]>();
  let done = 0;
  let noFace = 0;
  let notCached = 0;
  for (const [name, photos] of gallery) {
    const faces: FaceViews[] = [];
    for (const photo of photos) {
      const face = await encoder.encode(photo, condition);
      if (face === undefined) notCached++;
      else if (face === null) noFace++;
      else faces.push(face);
      onProgress?.(++done, total);
    }
    if (faces.length > 0) people.set(name, faces);
  }
  return { people, photos: total, noFace, notCached };
}

/** [chip, its mirror image] as the network's [2, 150, 150, 3] input. */
function chipPair(chip: RgbImage): Float32Array {
  const n = SIZE * SIZE * 3;
  const out = new Float32Array(2 * n);
  out.set(chip.data, 0);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const from = (y * SIZE + x) * 3;
      const to = n + (y * SIZE + SIZE - 1 - x) * 3;
      out[to] = chip.data[from]!;
      out[to + 1] = chip.data[from + 1]!;
      out[to + 2] = chip.data[from + 2]!;
    }
  }
  return out;
}
