import type { HeadArtefact } from '@facegate/face-core';
import { builder } from '../builder.ts';
import { TooFewIdentitiesError } from '../errors.ts';
import type { ModelComparison, ModelReplay } from '../services/models/index.ts';
import { COMMON_ERRORS, ErrorInterface } from './errors.ts';
import { readUpload } from './uploads.ts';

// Model versions: which model decides, learned heads, the change job, the comparison on the audit history
// and training runs. All of it is configuration of the doors' decisions: administrators only.
const ADMIN = { scope: 'admin' } as const;

builder.objectType(TooFewIdentitiesError, {
  name: 'TooFewIdentitiesError',
  description: 'Training needs more people with two or more usable photos than there are (code TOO_FEW_IDENTITIES).',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof TooFewIdentitiesError,
  fields: (t) => ({ identities: t.exposeInt('identities'), needed: t.exposeInt('needed') }),
});

type EpochPoint = { epoch: number; trainLoss: number; heldOutLoss: number; heldOutFnmr: number };
const EpochPointRef = builder.objectRef<EpochPoint>('TrainingEpoch').implement({
  description: 'One epoch of a training run: the triplet loss on the training identities and on the held-out ones.',
  fields: (t) => ({
    epoch: t.exposeInt('epoch'),
    trainLoss: t.exposeFloat('trainLoss'),
    heldOutLoss: t.exposeFloat('heldOutLoss'),
    heldOutFnmr: t.exposeFloat('heldOutFnmr', { description: 'Held-out false non-match rate at a false-match rate of 1e-3.' }),
  }),
});

type HeadRow = { id: string; modelId: string; encoderModelId: string; artefact: string; source: string; createdAt: Date };
const metricsOf = (h: HeadRow) =>
  (JSON.parse(h.artefact) as HeadArtefact).metrics as {
    bestEpoch?: number;
    heldOutLossBefore?: { all: number; fnmrAtFmr1e3: number };
    heldOutLossAfter?: { all: number; fnmrAtFmr1e3: number };
    curve?: EpochPoint[];
  };
/**
 * Whether a head ever did better than the encoder alone on the people held out when it was trained: no
 * epoch kept (early stopping found none better), or no fewer genuine faces refused. Null when not measured.
 */
export function beatBaseModel(h: HeadRow): boolean | null {
  const m = metricsOf(h);
  if (m.bestEpoch === 0) return false;
  const before = m.heldOutLossBefore?.fnmrAtFmr1e3;
  const after = m.heldOutLossAfter?.fnmrAtFmr1e3;
  return before === undefined || after === undefined ? null : after < before;
}

const ModelHeadRef = builder.objectRef<HeadRow>('ModelHead').implement({
  description: 'A learned head (128 -> 128 on top of the frozen encoder) the deployment can compare and activate.',
  fields: (t) => ({
    id: t.exposeID('id'),
    modelId: t.exposeString('modelId', { description: 'encoder + head: the model its encodings are stored under.' }),
    encoderModelId: t.exposeString('encoderModelId'),
    source: t.exposeString('source', { description: "'upload' (facegate train) or 'training' (a training run of the API)." }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    bestEpoch: t.int({
      nullable: true,
      description: 'The epoch kept by early stopping; 0 = the encoder alone was best (the head is the identity map).',
      resolve: (h) => metricsOf(h).bestEpoch ?? null,
    }),
    heldOutLossBefore: t.float({ nullable: true, resolve: (h) => metricsOf(h).heldOutLossBefore?.all ?? null }),
    heldOutLossAfter: t.float({ nullable: true, resolve: (h) => metricsOf(h).heldOutLossAfter?.all ?? null }),
    heldOutFnmrBefore: t.float({ nullable: true, resolve: (h) => metricsOf(h).heldOutLossBefore?.fnmrAtFmr1e3 ?? null }),
    heldOutFnmrAfter: t.float({ nullable: true, resolve: (h) => metricsOf(h).heldOutLossAfter?.fnmrAtFmr1e3 ?? null }),
    beatBaseModel: t.boolean({
      nullable: true,
      description:
        'Did better than the encoder alone on the held-out people (fewer genuine faces refused at a false-match rate of 1e-3); false when it never did, null when not measured. Activating one that never did is logged as against the advice.',
      resolve: (h) => beatBaseModel(h),
    }),
    curve: t.field({
      type: [EpochPointRef],
      resolve: (h) =>
        (metricsOf(h).curve ?? []).map((p) => ({
          epoch: p.epoch,
          trainLoss: p.trainLoss,
          heldOutLoss: p.heldOutLoss,
          heldOutFnmr: p.heldOutFnmr,
        })),
    }),
  }),
});

const ActiveModelRef = builder.objectRef<{ model: string; headId: string | null }>('ActiveModel').implement({
  description: 'The model decisions use now: the encoder alone, or the encoder with a learned head.',
  fields: (t) => ({
    model: t.exposeString('model'),
    headId: t.exposeID('headId', { nullable: true }),
  }),
});

const ModelChangeStatus = builder.enumType('ModelChangeStatus', {
  values: {
    RUNNING: { value: 'running' },
    DONE: { value: 'done' },
    CANCELLED: { value: 'cancelled' },
    FAILED: { value: 'failed' },
  } as const,
});

type ChangeRow = {
  id: string;
  createdAt: Date;
  fromModel: string;
  toModel: string;
  headId: string | null;
  status: string;
  total: number;
  done: number;
  failed: number;
  error: string | null;
  finishedAt: Date | null;
  claimedUntil: Date | null;
};
const ModelChangeRef = builder.objectRef<ChangeRow>('ModelChange').implement({
  description:
    'A change of the active model: every enrolled sample re-encoded from its stored photo (or aligned chip), then the switch. Decisions use the old model until it is DONE.',
  fields: (t) => ({
    id: t.exposeID('id'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    fromModel: t.exposeString('fromModel'),
    toModel: t.exposeString('toModel'),
    headId: t.exposeID('headId', { nullable: true }),
    status: t.field({ type: ModelChangeStatus, resolve: (c) => c.status as 'running' }),
    total: t.exposeInt('total', { description: 'Samples enrolled (when last counted).' }),
    done: t.exposeInt('done', { description: 'Samples with an encoding in the new model (those without a face in it included).' }),
    failed: t.exposeInt('failed', { description: 'Samples whose stored photo gave no face to the new model: left out of its gallery.' }),
    error: t.exposeString('error', { nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    held: t.boolean({
      description: 'An API instance is running it now (its lease is current).',
      resolve: (c) => c.status === 'running' && !!c.claimedUntil && c.claimedUntil > new Date(),
    }),
  }),
});

const TrainingStatus = builder.enumType('TrainingRunStatus', {
  values: { RUNNING: { value: 'running' }, DONE: { value: 'done' }, FAILED: { value: 'failed' } } as const,
});
const TrainingSource = builder.enumType('TrainingSource', {
  values: {
    ENROLLED: { value: 'enrolled', description: "The enrolled people's samples." },
    FOLDER: { value: 'folder', description: 'A folder of <person>/<photo> under FACEGATE_TRAINING_ROOT.' },
  } as const,
});

type RunRow = {
  id: string;
  createdAt: Date;
  source: string;
  dir: string | null;
  status: string;
  identities: number;
  photos: number;
  curve: string;
  errorCode: string | null;
  error: string | null;
  headId: string | null;
  finishedAt: Date | null;
};
const TrainingRunRef = builder.objectRef<RunRow>('TrainingRun').implement({
  description: 'A head trained in the API with the triplet loss: its loss curve as it goes, then the head (ModelHead) it saved.',
  fields: (t) => ({
    id: t.exposeID('id'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    source: t.field({ type: TrainingSource, resolve: (r) => r.source as 'enrolled' }),
    status: t.field({ type: TrainingStatus, resolve: (r) => r.status as 'running' }),
    identities: t.exposeInt('identities'),
    photos: t.exposeInt('photos'),
    curve: t.field({ type: [EpochPointRef], resolve: (r) => JSON.parse(r.curve) as EpochPoint[] }),
    errorCode: t.exposeString('errorCode', { nullable: true, description: 'TOO_FEW_IDENTITIES, INTERRUPTED or TRAINING_FAILED.' }),
    error: t.exposeString('error', { nullable: true }),
    headId: t.exposeID('headId', { nullable: true }),
    head: t.field({ type: ModelHeadRef, nullable: true, resolve: (r, _, ctx) => (r.headId ? ctx.services.models.head(r.headId) : null) }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

const ModelReplayRef = builder.objectRef<ModelReplay>('ModelReplay').implement({
  description: "One model's face decisions on the replayed attempts.",
  fields: (t) => ({
    model: t.exposeString('model'),
    accepted: t.exposeInt('accepted'),
    stepUp: t.exposeInt('stepUp'),
    refused: t.exposeInt('refused'),
    samplesMissing: t.exposeInt('samplesMissing', {
      description: 'Enrolled samples this model has no encoding for yet (left out of its gallery).',
    }),
    distances: t.floatList({ resolve: (r) => [...r.distances] }),
    histogram: t.intList({
      description: 'Distances of the replayed attempts in bins of 0.05 from 0 (the last bin takes everything from 1.45).',
      resolve: (r) => [...r.histogram],
    }),
    verifyThreshold: t.float({ nullable: true, resolve: (r) => (Number.isFinite(r.verifyThreshold) ? r.verifyThreshold : null) }),
  }),
});

const ReplayedAttemptRef = builder.objectRef<ModelComparison['changes'][number]>('ReplayedAttempt').implement({
  fields: (t) => ({
    eventId: t.exposeID('eventId'),
    kind: t.exposeString('kind'),
    before: t.exposeString('before', { description: "accepted, step_up or refused with the active model's encodings." }),
    after: t.exposeString('after', { description: "... with the candidate model's." }),
    beforePersonId: t.exposeID('beforePersonId', { nullable: true }),
    afterPersonId: t.exposeID('afterPersonId', { nullable: true }),
    beforeDistance: t.exposeFloat('beforeDistance', { nullable: true }),
    afterDistance: t.exposeFloat('afterDistance', { nullable: true }),
  }),
});

const ModelComparisonRef = builder.objectRef<ModelComparison>('ModelComparison').implement({
  description:
    "The deployment's own audit history replayed with the active model and a candidate: the face images kept, encoded again, decided against each model's gallery with today's settings.",
  fields: (t) => ({
    current: t.field({ type: ModelReplayRef, resolve: (c) => c.current }),
    candidate: t.field({ type: ModelReplayRef, resolve: (c) => c.candidate }),
    attempts: t.exposeInt('attempts'),
    replayed: t.exposeInt('replayed'),
    unreadable: t.exposeInt('unreadable', {
      description: 'Attempts whose kept face gave no face again, or whose claimed person was erased.',
    }),
    unchanged: t.exposeInt('unchanged'),
    acceptedToRefused: t.exposeInt('acceptedToRefused', {
      description: 'Accepted with the active model, not with the candidate (refused or step-up).',
    }),
    refusedToAccepted: t.exposeInt('refusedToAccepted'),
    personChanged: t.exposeInt('personChanged', { description: 'Accepted by both, as different people.' }),
    changes: t.field({ type: [ReplayedAttemptRef], resolve: (c) => [...c.changes] }),
  }),
});

builder.queryFields((t) => ({
  activeModel: t.field({
    type: ActiveModelRef,
    authScopes: ADMIN,
    description: 'The model decisions use now on this instance.',
    resolve: (_, __, ctx) => {
      const active = ctx.services.models.active();
      return { model: active.model, headId: active.head?.id ?? null };
    },
  }),
  modelHeads: t.field({
    type: [ModelHeadRef],
    authScopes: ADMIN,
    description: 'Learned heads, newest first.',
    resolve: (_, __, ctx) => ctx.services.models.heads(),
  }),
  modelChanges: t.field({
    type: [ModelChangeRef],
    authScopes: ADMIN,
    description: 'Changes of the active model, newest first, with their progress.',
    args: { last: t.arg.int({ description: 'How many (default 20, at most 100).' }) },
    resolve: (_, { last }, ctx) => ctx.services.models.changes(Math.max(1, Math.min(last ?? 20, 100))),
  }),
  trainingRuns: t.field({
    type: [TrainingRunRef],
    authScopes: ADMIN,
    args: { last: t.arg.int({ description: 'How many (default 10, at most 50).' }) },
    resolve: (_, { last }, ctx) => ctx.services.models.trainingRuns(Math.max(1, Math.min(last ?? 10, 50))),
  }),
  trainingRun: t.field({
    type: TrainingRunRef,
    nullable: true,
    authScopes: ADMIN,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => ctx.services.models.trainingRun(String(id)),
  }),
  compareModels: t.field({
    type: ModelComparisonRef,
    authScopes: ADMIN,
    description:
      'How many of the last decided attempts would change with another model (headId null: the encoder alone). Re-encodes each kept face on the recognition pool, after the doors.',
    args: { headId: t.arg.id(), last: t.arg.int({ description: 'Attempts to replay (default 200, at most 2,000).' }) },
    resolve: (_, { headId, last }, ctx) => ctx.services.models.compare(headId ? String(headId) : null, last ?? 200),
  }),
}));

builder.mutationFields((t) => ({
  addModelHead: t.field({
    type: ModelHeadRef,
    authScopes: ADMIN,
    errors: { types: COMMON_ERRORS },
    description: 'Stores a head written by `facegate train` (its JSON file, uploaded).',
    args: { file: t.arg({ type: 'File', required: true }) },
    resolve: async (_, { file }, ctx) =>
      ctx.services.models.addHead(new TextDecoder().decode(await readUpload(file, ctx.services.maxUploadBytes))),
  }),
  changeActiveModel: t.field({
    type: ModelChangeRef,
    authScopes: ADMIN,
    errors: { types: COMMON_ERRORS },
    description:
      'Starts re-encoding every sample with another model (headId null: the encoder alone); decisions switch to it when every sample is done. Logged with the settings changes.',
    args: { headId: t.arg.id() },
    resolve: (_, { headId }, ctx) =>
      ctx.services.models.requestChange(headId ? String(headId) : null, ctx.viewer.kind === 'admin' ? ctx.viewer.id : null),
  }),
  cancelModelChange: t.field({
    type: ModelChangeRef,
    authScopes: ADMIN,
    errors: { types: COMMON_ERRORS },
    description: 'Stops a running change; decisions stay on the active model (what was re-encoded is kept for a later change).',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => ctx.services.models.cancelChange(String(id)),
  }),
  startTraining: t.field({
    type: TrainingRunRef,
    authScopes: ADMIN,
    errors: { types: [...COMMON_ERRORS, TooFewIdentitiesError] },
    description:
      'Trains a head in the background with the triplet loss (see trainingRun for its curve); the result is a ModelHead to compare and activate.',
    args: {
      source: t.arg({ type: TrainingSource, required: true }),
      dir: t.arg.string({ description: 'FOLDER: the folder under FACEGATE_TRAINING_ROOT.' }),
      maxEpochs: t.arg.int({ description: 'At most this many epochs (default 60, at most 200).' }),
    },
    resolve: (_, { source, dir, maxEpochs }, ctx) =>
      ctx.services.models.startTraining(
        { source, dir: dir ?? null, maxEpochs: maxEpochs ? Math.max(1, Math.min(maxEpochs, 200)) : null },
        ctx.viewer.kind === 'admin' ? ctx.viewer.id : null,
      ),
  }),
}));

builder.subscriptionFields((t) => ({
  modelChange: t.field({
    type: ModelChangeRef,
    authScopes: ADMIN,
    description:
      'The running model change (or the one given) each time its progress moves, until it ends (server-sent events). Read from the database every second, so any instance answers, whichever runs the job.',
    args: { id: t.arg.id({ description: 'Default: the change running now.' }) },
    subscribe: (_, { id }, ctx) => ctx.services.models.watchChange(id ? String(id) : null),
    resolve: (change) => change,
  }),
}));
