import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { FaceEngine } from '../engine.ts';
import { ENCODING_LENGTH } from '../encoding/constants.ts';
import { l2Normalize } from '../ops/l2.ts';
import { HEAD_FORMAT, HEAD_FORMAT_VERSION } from './constants.ts';

/**
 * A learned adaptation on top of the frozen encoder, as saved on disk (JSON): y = normalise(W x + b),
 * x the encoder's 128 numbers, W (d x d, row-major) and b as trained (initialised at W = I, b = 0).
 */
export interface HeadArtefact {
  readonly format: typeof HEAD_FORMAT;
  readonly version: typeof HEAD_FORMAT_VERSION;
  /** A hash of the encoder id, W and b: two heads with one id compute the same function. */
  readonly id: string;
  /** The model id of encodings this head produces: encoder + head. Store it with every encoding. */
  readonly modelId: string;
  /** The encoder whose encodings it takes; any other encoder's are refused. */
  readonly encoderModelId: string;
  readonly dim: number;
  readonly weights: readonly number[];
  readonly bias: readonly number[];
  readonly createdAt: string;
  /** What it was trained on and with (folders, identities, condition, configuration). */
  readonly training: Readonly<Record<string, unknown>>;
  /** Loss curve and held-out figures from training. */
  readonly metrics: Readonly<Record<string, unknown>>;
}

export interface EncodingHead {
  readonly id: string;
  readonly modelId: string;
  readonly encoderModelId: string;
  readonly artefact: HeadArtefact;
  /** The head's L2-normalised encoding of one encoder encoding (plain arithmetic, no backend). */
  apply(encoding: ArrayLike<number>): number[];
  dispose(): void;
}

/** Model id of the encoder's encodings passed through the head `id`. */
export function headModelId(encoderModelId: string, id: string): string {
  return `${encoderModelId}+head-${id}`;
}

/** The artefact for trained weights: its id is the hash of what it computes. */
export function headArtefact(
  encoderModelId: string,
  weights: ArrayLike<number>,
  bias: ArrayLike<number>,
  training: Record<string, unknown> = {},
  metrics: Record<string, unknown> = {},
): HeadArtefact {
  const dim = bias.length;
  if (weights.length !== dim * dim) throw new RangeError(`weights must be ${dim}x${dim}; got ${weights.length} numbers`);
  const w = Array.from(weights, Number);
  const b = Array.from(bias, Number);
  const hash = createHash('sha256').update(encoderModelId).update(new Float64Array(w)).update(new Float64Array(b)).digest('hex');
  const id = hash.slice(0, 16);
  return {
    format: HEAD_FORMAT,
    version: HEAD_FORMAT_VERSION,
    id,
    modelId: headModelId(encoderModelId, id),
    encoderModelId,
    dim,
    weights: w,
    bias: b,
    createdAt: new Date().toISOString(),
    training,
    metrics,
  };
}

/** The identity head (W = I, b = 0): the frozen encoder's own encodings, renormalised. */
export function identityWeights(dim = ENCODING_LENGTH): { weights: number[]; bias: number[] } {
  const weights = new Array<number>(dim * dim).fill(0);
  for (let i = 0; i < dim; i++) weights[i * dim + i] = 1;
  return { weights, bias: new Array<number>(dim).fill(0) };
}

/** Checks an artefact read from disk and returns the head that applies it. */
export function fromArtefact(artefact: HeadArtefact): EncodingHead {
  if (artefact.format !== HEAD_FORMAT || artefact.version !== HEAD_FORMAT_VERSION) {
    throw new Error(
      `not a ${HEAD_FORMAT} v${HEAD_FORMAT_VERSION} file (format ${String(artefact.format)}, version ${String(artefact.version)})`,
    );
  }
  const check = headArtefact(artefact.encoderModelId, artefact.weights, artefact.bias);
  if (check.id !== artefact.id)
    throw new Error(`head ${artefact.id}: its weights do not hash to its id (${check.id}); the file was changed`);
  const { dim } = artefact;
  const w = Float64Array.from(artefact.weights);
  const b = Float64Array.from(artefact.bias);
  return {
    id: artefact.id,
    modelId: artefact.modelId,
    encoderModelId: artefact.encoderModelId,
    artefact,
    apply(x) {
      if (x.length !== dim) throw new RangeError(`head ${artefact.id} takes ${dim} numbers, got ${x.length}`);
      const y = new Array<number>(dim);
      for (let j = 0; j < dim; j++) {
        let sum = b[j]!;
        const row = j * dim;
        for (let k = 0; k < dim; k++) sum += w[row + k]! * x[k]!;
        y[j] = sum;
      }
      return l2Normalize(y);
    },
    dispose() {},
  };
}

/** Loads a head artefact (JSON) from `file`. */
export async function load(config: { file: string }): Promise<EncodingHead> {
  return fromArtefact(JSON.parse(await readFile(config.file, 'utf8')) as HeadArtefact);
}

export async function saveHead(file: string, artefact: HeadArtefact): Promise<void> {
  await writeFile(file, `${JSON.stringify(artefact)}\n`);
}

/**
 * The engine with every encoding passed through the head; its modelId becomes the head's. The engine
 * must be the one the head was trained on. Disposing it disposes the engine.
 */
export function withHead(engine: FaceEngine, head: EncodingHead): FaceEngine {
  if (head.encoderModelId !== engine.modelId) {
    throw new Error(`head ${head.id} was trained on ${head.encoderModelId}, not on this engine's ${engine.modelId}`);
  }
  const mapFace = <T extends { encoding: number[] }>(face: T): T => ({ ...face, encoding: head.apply(face.encoding) });
  return {
    backend: engine.backend,
    modelId: head.modelId,
    analyze: async (source, wanted) => {
      const analysis = await engine.analyze(source, wanted);
      return { ...analysis, faces: analysis.faces.map(mapFace) };
    },
    findFaces: async (source) => (await engine.findFaces(source)).map(mapFace),
    encodeFace: async (source, options) => mapFace(await engine.encodeFace(source, options)),
    dispose: () => engine.dispose(),
  };
}
