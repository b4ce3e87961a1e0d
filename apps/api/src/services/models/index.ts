import { randomUUID } from 'node:crypto';
import type { DecisionConfig } from '@facegate/face-core';
import type { ActiveModel } from '../../recognizer/gallery.ts';
import { createHeads } from './active-model.ts';
import { compareModels } from './comparison.ts';
import { watchEncoderMove } from './encoder.ts';
import { createReencodeJob } from './reencode-job.ts';
import type { ModelsDeps, ModelsInstance } from './shared.ts';
import { createTraining } from './training.ts';

export { ACTIVE_MODEL_KEY, loadActiveModel, readActiveModel, type ActiveModelRecord } from './active-model.ts';
export { type ModelComparison, type ModelReplay } from './comparison.ts';
export { chooseEncoder, ENCODER_MODEL_KEY, moveEncoder } from './encoder.ts';
export { MIN_TRAINING_IDENTITIES } from './training.ts';

export interface ModelsOptions {
  /** How long a claimed job is left alone by other instances without being renewed. */
  readonly leaseMs?: number;
  /** How often an instance looks for a job to run and for a switch made by another instance. */
  readonly pollMs?: number;
  /** Samples re-encoded between two lease renewals (one at a time on the pool). */
  readonly batch?: number;
  /** Folders training may read (the operator's); none: only the enrolled people. */
  readonly trainingRoot?: string | null;
}

/**
 * Model versions: the learned heads the deployment knows, the active model (encoder alone, or encoder +
 * head), the change of model (a background job that re-encodes every sample from its stored photo, then
 * switches at once: reencode-job.ts), the comparison of two models on the audit history (comparison.ts),
 * and training runs (training.ts).
 */
export function createModelsService(
  deps: ModelsDeps & {
    decisionConfig: () => DecisionConfig;
    /** Tell the other instances that the active model changed. */
    publish: () => void;
    /** People whose samples were re-encoded into the active model (stragglers): refresh every instance's gallery. */
    changed?: (ids: string[]) => Promise<void>;
    now?: () => Date;
    options?: ModelsOptions;
  },
) {
  const { prisma, gallery } = deps;
  const instance: ModelsInstance = {
    me: randomUUID(),
    leaseMs: deps.options?.leaseMs ?? 30_000,
    now: deps.now ?? (() => new Date()),
    stopping: false,
  };
  const heads = createHeads(prisma);
  const encoderMove = watchEncoderMove(prisma);
  const job = createReencodeJob({
    ...deps,
    instance,
    heads,
    encoderMove,
    pollMs: deps.options?.pollMs ?? 5_000,
    batch: deps.options?.batch ?? 8,
  });
  const training = createTraining({ ...deps, instance, heads, encoderMove, trainingRoot: deps.options?.trainingRoot });

  return {
    /** The model decisions use on this instance now. */
    active: (): ActiveModel => ({ model: gallery.model, head: gallery.head }),
    heads: () => prisma.modelHead.findMany({ orderBy: { createdAt: 'desc' } }),
    head: (id: string) => prisma.modelHead.findUnique({ where: { id } }),
    /** Stores a head artefact (JSON text, as `facegate train` writes it); the same head twice is one row. */
    addHead: (json: string) => heads.add(json),
    changes: job.changes,
    runningChange: job.runningChange,
    requestChange: job.requestChange,
    watchChange: job.watchChange,
    cancelChange: job.cancelChange,
    tick: job.tick,
    follow: job.follow,
    compare: (headId: string | null, last?: number) => compareModels({ ...deps, heads, config: deps.decisionConfig() }, headId, last),
    startTraining: training.startTraining,
    trainingRuns: training.trainingRuns,
    trainingRun: training.trainingRun,
    expireTraining: training.expireTraining,
    // A training run is not waited for: its lease lapses and the next start marks it interrupted.
    close: job.close,
  };
}

export type ModelsService = ReturnType<typeof createModelsService>;
