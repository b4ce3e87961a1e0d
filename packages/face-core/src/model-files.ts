import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { ModelLoadError } from './errors.ts';

/**
 * A tf.io handler that reads a TensorFlow.js model (model.json plus its weight shards) from disk.
 * Plain @tensorflow/tfjs has no file system loader (that ships with tfjs-node), and models must never
 * come from the network.
 */
export function fileModelHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      let json: {
        modelTopology?: object;
        format?: string;
        generatedBy?: string;
        convertedBy?: string;
        signature?: object;
        userDefinedMetadata?: Record<string, object>;
        weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
      };
      try {
        json = JSON.parse(await readFile(modelJsonPath, 'utf8'));
      } catch (cause) {
        throw new ModelLoadError(`cannot read model ${modelJsonPath}`, { cause });
      }
      const dir = path.dirname(modelJsonPath);
      const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
      const shards = await Promise.all(json.weightsManifest.flatMap((group) => group.paths).map((p) => readFile(path.join(dir, p))));
      const total = Buffer.concat(shards);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        signature: json.signature,
        userDefinedMetadata: json.userDefinedMetadata,
        weightSpecs,
        weightData: total.buffer.slice(total.byteOffset, total.byteOffset + total.byteLength),
      };
    },
  };
}
