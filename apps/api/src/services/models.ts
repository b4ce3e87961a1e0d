import { randomUUID } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  decideIdentification,
  decideVerification,
  ENCODER_MODEL_ID,
  encoderModelId,
  precisionOfModel,
  type EncoderPrecision,
  GalleryMatrix,
  headArtefact,
  headFromArtefact,
  loadViewEncoder,
  trainHead,
  type DecisionConfig,
  type EncodingHead,
  type EpochStats,
  type FaceDecision,
  type FaceViews,
  type HeadArtefact,
} from '@facegate/face-core';
import { decodeEncoding, encodeEncoding } from '../db/codecs.ts';
import type { DataCipher } from '../db/sealed.ts';
import { InvalidInputError, NotFoundError, TooFewIdentitiesError } from '../errors.ts';
import { searchWithHead, type ActiveModel, type Gallery } from '../recognizer/gallery.ts';
import type { Recognizer } from '../recognizer/pool.ts';
import type { Prisma } from './prisma.ts';

/** The Setting row naming the model decisions use: JSON { model, headId }. Switched only by a finished ModelChange. */
export const ACTIVE_MODEL_KEY = 'activeModel';

export interface ActiveModelRecord {
  readonly model: string;
  readonly headId: string | null;
}

/** The encoder alone (this process's: ENCODER_MODEL_ID follows the database's, app.ts). */
const encoderOnly = (): ActiveModelRecord => ({ model: ENCODER_MODEL_ID, headId: null });

/**
 * Training needs 8 people with two or more photos: 20 % of them (at least 2) are held out for early
 * stopping, and at least 2 remain to learn from (face-core learning/train.ts).
 */
export const MIN_TRAINING_IDENTITIES = 8;

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

export async function readActiveModel(prisma: Prisma): Promise<ActiveModelRecord> {
  const row = await prisma.setting.findUnique({ where: { key: ACTIVE_MODEL_KEY } });
  const record = row ? (JSON.parse(row.value) as ActiveModelRecord) : encoderOnly();
  // Without a head, the active model is this process's encoder (a record from before a move names the old one).
  return record.headId ? record : encoderOnly();
}

/** The setting that remembers which encoder a database's faces are in (its model id). */
export const ENCODER_MODEL_KEY = 'encoderModel';

/**
 * The encoder this database's faces are in, chosen before anything is encoded (app.ts then makes it
 * the process's). A database keeps the encoder it was first opened with: `requested`
 * (FACEGATE_ENCODER_PRECISION), else int8 where this process runs it (`int8Runs`: README "Encoder
 * precision"), else float32. One from before databases kept it takes the encoder it already holds
 * (encoderInUse). A request for another encoder stops the start with the way out: an instance or a
 * command with a stray setting must not re-encode everyone into its own model. Moving a deployment is
 * `facegate models encoder` (moveEncoder).
 */
export async function chooseEncoder(prisma: Prisma, requested: EncoderPrecision | undefined, int8Runs: boolean): Promise<EncoderPrecision> {
  let recorded = (await prisma.setting.findUnique({ where: { key: ENCODER_MODEL_KEY } }))?.value;
  if (recorded === undefined) {
    const chosen = (await encoderInUse(prisma)) ?? encoderModelId(requested ?? (int8Runs ? 'int8' : 'float32'));
    try {
      await prisma.setting.create({ data: { key: ENCODER_MODEL_KEY, value: chosen } });
    } catch (error) {
      // Two instances opening a new database together: the first record stands, the other reads it.
      if ((error as { code?: string }).code !== 'P2002') throw error;
    }
    recorded = (await prisma.setting.findUniqueOrThrow({ where: { key: ENCODER_MODEL_KEY } })).value;
  }
  const precision = precisionOfModel(recorded);
  if (!precision) throw new Error(`this database's faces are encoded with ${recorded}, which this version does not compute: move it to an encoder it has (facegate models encoder int8|float32), which re-encodes every face`);
  if (requested && requested !== precision) {
    throw new Error(
      `this database's faces are encoded with ${recorded}, and FACEGATE_ENCODER_PRECISION asks for ${requested}: unset it, or move the database first (facegate models encoder ${requested}), which re-encodes every face`,
    );
  }
  if (precision === 'int8' && !int8Runs) {
    throw new Error(
      `this database's faces are encoded with ${recorded}, which runs only on ONNX Runtime with an x86-64 CPU with AVX-512 VNNI, not here: run it on such a machine, or move the database to float32 (facegate models encoder float32 --drop-head)`,
    );
  }
  return precision;
}

/** An encoder's id from a model id (`<encoder>` or `<encoder>+head-<id>`). */
const encoderOf = (model: string) => model.split('+head-')[0]!;

/**
 * The encoder a database that kept none already holds: its faces', else its heads' (the active one
 * among them), else its audit's; null for a new database. Earlier versions had float32 only.
 */
async function encoderInUse(prisma: Prisma): Promise<string | null> {
  const sample = await prisma.faceSample.findFirst({ select: { model: true } });
  if (sample) return encoderOf(sample.model);
  const active = await readActiveModel(prisma);
  const head = await prisma.modelHead.findFirst({ where: active.headId ? { id: active.headId } : {}, select: { encoderModelId: true } });
  if (head) return head.encoderModelId;
  const attempt = await prisma.recognitionEvent.findFirst({ where: { model: { not: '' } }, select: { model: true } });
  return attempt ? encoderOf(attempt.model) : null;
}

/**
 * Moves a deployment to another encoder: the database remembers `target`, a model change still running
 * is cancelled (its target is the old encoder's), and the encoder alone becomes the active model. The
 * instances, once restarted, re-encode every face from its stored
 * photo in the background; until theirs is done, people are not recognised. Logged as a setting change.
 */
export async function moveEncoder(prisma: Prisma, target: string, adminId: string | null, options: { dropHead?: boolean; now?: Date } = {}): Promise<{ from: string | null; to: string; faces: number; droppedHead: string | null }> {
  const now = options.now ?? new Date();
  const active = await readActiveModel(prisma);
  // A head applies to its own encoder's encodings: the move makes the encoder alone active, said aloud.
  if (active.headId && !options.dropHead) throw new InvalidInputError(`a head is the active model (${active.model}); the move makes the encoder alone the active model: pass --drop-head to move anyway`);
  const from = (await prisma.setting.findUnique({ where: { key: ENCODER_MODEL_KEY } }))?.value ?? null;
  const value = JSON.stringify({ model: target, headId: null } satisfies ActiveModelRecord);
  await prisma.$transaction([
    prisma.modelChange.updateMany({ where: { status: 'running' }, data: { status: 'cancelled', finishedAt: now, claimedBy: null, claimedUntil: null } }),
    prisma.setting.upsert({ where: { key: ENCODER_MODEL_KEY }, create: { key: ENCODER_MODEL_KEY, value: target }, update: { value: target } }),
    prisma.setting.upsert({ where: { key: ACTIVE_MODEL_KEY }, create: { key: ACTIVE_MODEL_KEY, value }, update: { value } }),
    prisma.settingChange.create({ data: { adminId, key: ENCODER_MODEL_KEY, oldValue: JSON.stringify(from), newValue: JSON.stringify(target), model: from ?? active.model } }),
  ]);
  return { from, to: target, faces: await prisma.faceSample.count(), droppedHead: active.headId };
}

/** The active model with its head loaded (start-up builds the gallery in it). */
export async function loadActiveModel(prisma: Prisma): Promise<ActiveModel> {
  const record = await readActiveModel(prisma);
  if (!record.headId) return { model: ENCODER_MODEL_ID, head: null };
  const row = await prisma.modelHead.findUniqueOrThrow({ where: { id: record.headId } });
  const head = headFromArtefact(JSON.parse(row.artefact) as HeadArtefact);
  // A head learned on another encoder's encodings (a record edited by hand; moves drop the head) would
  // compare encodings it was never trained on: the start stops here instead.
  if (head.encoderModelId !== ENCODER_MODEL_ID) {
    throw new Error(`the active model's head was trained on ${head.encoderModelId}, but this database's encoder is ${ENCODER_MODEL_ID}: facegate models encoder --drop-head makes the encoder alone active`);
  }
  return { model: record.model, head };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Histogram of distances in bins of 0.05 from 0 to 1.5 (the last bin takes everything beyond). */
function histogram(distances: readonly number[]): number[] {
  const bins = new Array<number>(30).fill(0);
  for (const d of distances) bins[Math.min(bins.length - 1, Math.max(0, Math.floor(d / 0.05)))]! += 1;
  return bins;
}

type Outcome = 'accepted' | 'step_up' | 'refused';
const OUTCOME: Record<FaceDecision['outcome'], Outcome> = { accept: 'accepted', step_up: 'step_up', reject: 'refused' };

export interface ModelReplay {
  readonly model: string;
  readonly accepted: number;
  readonly stepUp: number;
  readonly refused: number;
  /** Samples of enrolled people this model has no encoding for (left out of its gallery). */
  readonly samplesMissing: number;
  readonly distances: readonly number[];
  /** Distances of the replayed attempts in bins of 0.05 (0-0.05, 0.05-0.1, ...; the last takes the rest). */
  readonly histogram: readonly number[];
  readonly verifyThreshold: number;
}

export interface ModelComparison {
  readonly current: ModelReplay;
  readonly candidate: ModelReplay;
  /** Attempts of the audit log looked at (with a face image kept and a face decision). */
  readonly attempts: number;
  /** ... of which replayed with both models; the others' image gave no face again or named an erased person. */
  readonly replayed: number;
  readonly unreadable: number;
  readonly unchanged: number;
  readonly acceptedToRefused: number;
  readonly refusedToAccepted: number;
  readonly personChanged: number;
  /** Each replayed attempt: its id, and the face decision under each model. */
  readonly changes: readonly { eventId: string; kind: string; before: Outcome; after: Outcome; beforePersonId: string | null; afterPersonId: string | null; beforeDistance: number | null; afterDistance: number | null }[];
}

/**
 * Model versions: the learned heads the deployment knows, the active model (encoder alone, or encoder +
 * head), the change of model (a background job that re-encodes every sample from its stored photo, then
 * switches at once), the comparison of two models on the audit history, and training runs.
 */
export function createModelsService(deps: {
  prisma: Prisma;
  cipher: DataCipher;
  recognizer: Recognizer;
  gallery: Gallery;
  decisionConfig: () => DecisionConfig;
  /** Tell the other instances that the active model changed. */
  publish: () => void;
  /** People whose samples were re-encoded into the active model (stragglers): refresh every instance's gallery. */
  changed?: (ids: string[]) => Promise<void>;
  now?: () => Date;
  options?: ModelsOptions;
}) {
  const { prisma, cipher, recognizer, gallery } = deps;
  const now = deps.now ?? (() => new Date());
  const leaseMs = deps.options?.leaseMs ?? 30_000;
  const pollMs = deps.options?.pollMs ?? 5_000;
  const batch = deps.options?.batch ?? 8;
  const me = randomUUID();
  const heads = new Map<string, EncodingHead>();
  let running: Promise<void> | null = null;
  // Stragglers are looked for every this many polls (a scan of the samples), and after a switch.
  const sweepEvery = Math.max(1, Math.round(60_000 / pollMs));
  let ticks = 0;
  let stopping = false;
  const training = new Set<Promise<void>>();

  async function head(id: string): Promise<EncodingHead> {
    const cached = heads.get(id);
    if (cached) return cached;
    const row = await prisma.modelHead.findUnique({ where: { id } });
    if (!row) throw new NotFoundError('model head');
    const loaded = headFromArtefact(JSON.parse(row.artefact) as HeadArtefact);
    heads.set(id, loaded);
    return loaded;
  }

  async function activeModelOf(record: { headId: string | null }): Promise<ActiveModel> {
    if (!record.headId) return { model: ENCODER_MODEL_ID, head: null };
    const h = await head(record.headId);
    // Its encodings would be compared with this encoder's probes: never.
    if (h.encoderModelId !== ENCODER_MODEL_ID) throw new InvalidInputError(`the head was trained on ${h.encoderModelId}; this deployment's encoder is ${ENCODER_MODEL_ID}`);
    return { model: h.modelId, head: h };
  }

  /** Whether the database has moved to another encoder since this process started (it then waits to be restarted). */
  async function encoderMoved(): Promise<boolean> {
    const recorded = (await prisma.setting.findUnique({ where: { key: ENCODER_MODEL_KEY } }))?.value;
    if (recorded === undefined || recorded === ENCODER_MODEL_ID) return false;
    if (!movedWarned) console.warn(`facegate models: the database moved to the encoder ${recorded}; this process encodes with ${ENCODER_MODEL_ID} and re-encodes nothing until it is restarted`);
    movedWarned = true;
    return true;
  }
  let movedWarned = false;

  /** A change or a training asked of an instance whose database moved would run on the old encoder: refused. */
  async function refuseIfMoved(): Promise<void> {
    if (await encoderMoved()) throw new InvalidInputError(`the database moved to another encoder; this instance still runs ${ENCODER_MODEL_ID}: restart it first`);
  }

  /** Brings the gallery to the model the database names (another instance may have switched). */
  async function follow(): Promise<void> {
    const record = await readActiveModel(prisma);
    if (record.model !== gallery.model) await gallery.switchModel(await activeModelOf(record));
  }

  /** Samples with no encoding in `model` yet (enrolled in another, and not re-encoded into it). */
  const lacking = (model: string) => ({ model: { not: model }, encodings: { none: { model } } });

  /** The encoder's encoding of a stored photo (the enrolment photo, else the aligned chip), on the pool. */
  async function encoderEncoding(sample: { original: Uint8Array | null; thumbnail: Uint8Array }) {
    for (const [source, sealed] of [['original', sample.original], ['thumbnail', sample.thumbnail]] as const) {
      if (!sealed) continue;
      // The doors first: wait while their photos queue for a worker.
      while (recognizer.queueDepth() > 0 && !stopping) await sleep(20);
      const result = await recognizer.analyze({ image: cipher.open(sealed), faces: 'largest' });
      if (result.ok) return { source, encoding: result.faces[0]!.encoding, quality: result.faces[0]!.quality, model: result.model };
    }
    return null;
  }

  /** Re-encodes one sample into `target` (idempotent: an existing row is left as it is). */
  async function reencode(sampleId: string, target: ActiveModel): Promise<boolean> {
    const sample = await prisma.faceSample.findUnique({ where: { id: sampleId }, select: { original: true, thumbnail: true } });
    if (!sample) return true; // deleted meanwhile
    const face = await encoderEncoding(sample);
    if (face && face.model !== (target.head?.encoderModelId ?? target.model)) throw new Error(`the recognizer's encoder is ${face.model}, the target model needs ${target.head?.encoderModelId ?? target.model}`);
    const encoding = face ? (target.head ? target.head.apply(face.encoding) : face.encoding) : null;
    const data = { encoding: encoding ? cipher.seal(encodeEncoding(encoding)) : new Uint8Array(0), source: face ? face.source : 'failed' };
    try {
      await prisma.sampleEncoding.upsert({ where: { sampleId_model: { sampleId, model: target.model } }, create: { sampleId, model: target.model, ...data }, update: {} });
    } catch (error) {
      // The sample was erased while it was being encoded: nothing to keep.
      if (!(await prisma.faceSample.findUnique({ where: { id: sampleId }, select: { id: true } }))) return true;
      throw error;
    }
    return encoding !== null;
  }

  async function progress(model: string) {
    const [total, pending, failed] = await Promise.all([
      prisma.faceSample.count(),
      prisma.faceSample.count({ where: lacking(model) }),
      prisma.sampleEncoding.count({ where: { model, source: 'failed' } }),
    ]);
    return { total, done: total - pending, failed };
  }

  /** Runs the change this instance has claimed until every sample is in its model, then switches. */
  async function run(changeId: string): Promise<void> {
    const change = await prisma.modelChange.findUniqueOrThrow({ where: { id: changeId } });
    const target = await activeModelOf(change);
    if (target.model !== change.toModel) throw new Error(`head ${change.headId} computes ${target.model}, not ${change.toModel}`);
    for (;;) {
      if (stopping) return;
      const counts = await progress(target.model);
      // The lease renewed, and the progress written, only while this instance still holds a running job.
      const held = await prisma.modelChange.updateMany({
        where: { id: changeId, claimedBy: me, status: 'running' },
        data: { ...counts, claimedUntil: new Date(now().getTime() + leaseMs) },
      });
      if (held.count !== 1) return; // cancelled, or taken over after a stall
      const pending = await prisma.faceSample.findMany({ where: lacking(target.model), orderBy: { id: 'asc' }, take: batch, select: { id: true } });
      if (pending.length === 0) return switchTo(changeId, change, target);
      for (const { id } of pending) {
        if (stopping) return;
        await reencode(id, target);
      }
    }
  }

  /** Every sample has the new model's encoding: the active model is switched and the job ended, together. */
  async function switchTo(changeId: string, change: { toModel: string; headId: string | null }, target: ActiveModel) {
    const counts = await progress(target.model);
    const value = JSON.stringify({ model: change.toModel, headId: change.headId } satisfies ActiveModelRecord);
    const switched = await prisma.$transaction(async (tx) => {
      const ended = await tx.modelChange.updateMany({
        where: { id: changeId, claimedBy: me, status: 'running' },
        data: { ...counts, status: 'done', finishedAt: now(), claimedBy: null, claimedUntil: null },
      });
      if (ended.count !== 1) return false;
      await tx.setting.upsert({ where: { key: ACTIVE_MODEL_KEY }, create: { key: ACTIVE_MODEL_KEY, value }, update: { value } });
      return true;
    });
    if (!switched) return;
    await gallery.switchModel(target);
    deps.publish();
    ticks = 0; // samples enrolled meanwhile in the old model (another instance): swept at the next poll
  }

  /**
   * Looks for work: a running change nobody holds (or whose holder stopped renewing) is claimed and run;
   * samples enrolled in another model after a switch (an instance that had not switched yet) are
   * re-encoded into the active one.
   */
  async function tick(): Promise<void> {
    if (running || stopping) return;
    running = (async () => {
      if (await encoderMoved()) return;
      await follow();
      const change = await prisma.modelChange.findFirst({ where: { status: 'running' }, orderBy: { createdAt: 'desc' } });
      if (change) {
        const at = now();
        const claimed = await prisma.modelChange.updateMany({
          where: { id: change.id, status: 'running', OR: [{ claimedBy: null }, { claimedUntil: null }, { claimedUntil: { lt: at } }, { claimedBy: me }] },
          data: { claimedBy: me, claimedUntil: new Date(at.getTime() + leaseMs) },
        });
        if (claimed.count === 1) await run(change.id);
        return;
      }
      if (ticks++ % sweepEvery !== 0) return;
      const active: ActiveModel = { model: gallery.model, head: gallery.head };
      // Batch after batch until none is left, each person recognised again as soon as theirs are done:
      // after a move of encoder every sample is one (one batch per poll re-encoded 1.7 a second).
      // Doors go first: each re-encoding waits while photos queue for a worker (encoderEncoding).
      while (!stopping) {
        const stragglers = await prisma.faceSample.findMany({ where: lacking(active.model), take: batch, select: { id: true, personId: true } });
        if (stragglers.length === 0) break;
        for (const { id } of stragglers) if (!stopping) await reencode(id, active);
        const ids = [...new Set(stragglers.map((s) => s.personId))];
        await (deps.changed ? deps.changed(ids) : gallery.refresh(ids));
      }
    })()
      .catch((error: unknown) => console.error('facegate models:', error instanceof Error ? error.message : error))
      .finally(() => {
        running = null;
      });
    return running;
  }

  const poll = setInterval(() => void tick(), pollMs);
  poll.unref();

  /** Keeps a training run's lease while its photos are encoded (at most one write every few seconds). */
  function leaseKeeper(runId: string) {
    let last = Date.now();
    return async () => {
      if (Date.now() - last < Math.min(5_000, leaseMs / 3)) return;
      last = Date.now();
      await prisma.trainingRun.update({ where: { id: runId }, data: { claimedUntil: new Date(now().getTime() + leaseMs) } });
    };
  }

  /** The identities (with their photos' encoder views) training would learn from: the enrolled people. */
  async function enrolledViews(renew: () => Promise<void>): Promise<Map<string, FaceViews[]>> {
    const samples = await prisma.faceSample.findMany({
      where: { person: { active: true } },
      select: { id: true, personId: true, model: true, encoding: true, original: true, thumbnail: true, encodings: { where: { model: ENCODER_MODEL_ID }, select: { encoding: true, source: true } } },
    });
    const people = new Map<string, FaceViews[]>();
    for (const s of samples) {
      await renew();
      let encoding: number[] | null = null;
      if (s.model === ENCODER_MODEL_ID) encoding = decodeEncoding(cipher.open(s.encoding));
      else if (s.encodings[0] && s.encodings[0].source !== 'failed') encoding = decodeEncoding(cipher.open(s.encodings[0].encoding));
      else encoding = (await encoderEncoding(s))?.encoding ?? null;
      if (!encoding) continue;
      // Only the engine encoding is stored: the chip and mirror views are that encoding too (no flip augmentation).
      const views: FaceViews = { encoding, chip: encoding, mirror: encoding, quality: { eyeDistancePx: 0, sharpness: 0, brightness: 0, yawDeg: 0, pitchDeg: 0 } };
      people.set(s.personId, [...(people.get(s.personId) ?? []), views]);
    }
    return people;
  }

  /** The photos of a folder of <name>/<photo>: cached encoder views (facegate train's cache) first, else the pool. */
  async function folderViews(dir: string, renew: () => Promise<void>): Promise<Map<string, FaceViews[]>> {
    const cache = await loadViewEncoder({ cachedOnly: true });
    const people = new Map<string, FaceViews[]>();
    try {
      // Folders (symbolic links to folders included), one per person.
      const entries = await readdir(dir);
      const folders = (await Promise.all(entries.map(async (e) => ((await stat(path.join(dir, e)).catch(() => null))?.isDirectory() ? e : null)))).filter((e): e is string => e !== null).sort();
      for (const name of folders) {
        for (const file of (await readdir(path.join(dir, name))).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort()) {
          await renew();
          const full = path.join(dir, name, file);
          let views = await cache.encode(full);
          if (views === undefined) {
            while (recognizer.queueDepth() > 0 && !stopping) await sleep(20);
            const result = await recognizer.analyze({ image: new Uint8Array(await readFile(full)), faces: 'largest' });
            views = result.ok ? { encoding: result.faces[0]!.encoding, chip: result.faces[0]!.encoding, mirror: result.faces[0]!.encoding, quality: result.faces[0]!.quality } : null;
          }
          if (views) people.set(name, [...(people.get(name) ?? []), views]);
        }
      }
    } finally {
      cache.dispose();
    }
    return people;
  }

  const pairable = (people: ReadonlyMap<string, readonly FaceViews[]>) => [...people.values()].filter((v) => v.length >= 2).length;

  async function train(runId: string, people: Map<string, FaceViews[]>, config: { maxEpochs?: number; seed?: number }) {
    const curve: { epoch: number; trainLoss: number; heldOutLoss: number; heldOutFnmr: number }[] = [];
    const n = pairable(people);
    if (n < MIN_TRAINING_IDENTITIES) throw new TooFewIdentitiesError(n, MIN_TRAINING_IDENTITIES);
    await prisma.trainingRun.update({ where: { id: runId }, data: { identities: people.size, photos: [...people.values()].reduce((a, v) => a + v.length, 0) } });
    let writes = Promise.resolve();
    const onEpoch = (s: EpochStats) => {
      curve.push({ epoch: s.epoch, trainLoss: s.trainLoss, heldOutLoss: s.heldOutLoss, heldOutFnmr: s.heldOutFnmr });
      const snapshot = JSON.stringify(curve);
      writes = writes.then(async () => void (await prisma.trainingRun.update({ where: { id: runId }, data: { curve: snapshot, claimedUntil: new Date(now().getTime() + leaseMs) } })));
    };
    const result = await trainHead(people, { ...(config.maxEpochs ? { maxEpochs: config.maxEpochs } : {}), ...(config.seed ? { seed: config.seed } : {}) }, onEpoch);
    await writes;
    const artefact = headArtefact(ENCODER_MODEL_ID, result.weights, result.bias, { source: 'api', trainingRunId: runId, trainIdentities: result.trainIdentities.length, heldOutIdentities: result.heldOutIdentities.length, trainPhotos: result.trainPhotos }, {
      heldOutLossBefore: result.heldOutLossBefore,
      heldOutLossAfter: result.heldOutLossAfter,
      bestEpoch: result.bestEpoch,
      stoppedEarly: result.stoppedEarly,
      curve,
    });
    await saveHeadRow(artefact, 'training');
    await prisma.trainingRun.update({ where: { id: runId }, data: { status: 'done', headId: artefact.id, curve: JSON.stringify(curve), finishedAt: now(), claimedBy: null, claimedUntil: null } });
  }

  async function saveHeadRow(artefact: HeadArtefact, source: 'upload' | 'training') {
    let checked: EncodingHead;
    try {
      checked = headFromArtefact(artefact);
    } catch (error) {
      throw new InvalidInputError(`not a usable head: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (checked.encoderModelId !== ENCODER_MODEL_ID) throw new InvalidInputError(`the head was trained on ${checked.encoderModelId}; this deployment's encoder is ${ENCODER_MODEL_ID}`);
    return prisma.modelHead.upsert({
      where: { id: checked.id },
      create: { id: checked.id, modelId: checked.modelId, encoderModelId: checked.encoderModelId, artefact: JSON.stringify(artefact), source },
      update: {},
    });
  }

  return {
    /** The model decisions use on this instance now. */
    active: (): ActiveModel => ({ model: gallery.model, head: gallery.head }),
    heads: () => prisma.modelHead.findMany({ orderBy: { createdAt: 'desc' } }),
    head: (id: string) => prisma.modelHead.findUnique({ where: { id } }),
    /** Stores a head artefact (JSON text, as `facegate train` writes it); the same head twice is one row. */
    async addHead(json: string) {
      let artefact: HeadArtefact;
      try {
        artefact = JSON.parse(json) as HeadArtefact;
      } catch {
        throw new InvalidInputError('the head file is not JSON');
      }
      return saveHeadRow(artefact, 'upload');
    },
    changes: (limit = 20) => prisma.modelChange.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit }),
    /** The change being run, if any. */
    runningChange: () => prisma.modelChange.findFirst({ where: { status: 'running' }, orderBy: { createdAt: 'desc' } }),

    /**
     * Asks for another active model (`headId` null: the encoder alone): logged like every setting change,
     * then a background job re-encodes every sample and switches. Decisions keep the current model until
     * then. A change already running to another model is cancelled (what it re-encoded stays, reusable).
     */
    async requestChange(headId: string | null, adminId: string | null) {
      await refuseIfMoved();
      const target = await activeModelOf({ headId });
      const current = await readActiveModel(prisma);
      const runningChange = await prisma.modelChange.findFirst({ where: { status: 'running' } });
      if (runningChange?.toModel === target.model) return runningChange;
      if (!runningChange && current.model === target.model) throw new InvalidInputError(`${target.model} is the active model already`);
      const [, , created] = await prisma.$transaction([
        prisma.modelChange.updateMany({ where: { status: 'running' }, data: { status: 'cancelled', finishedAt: now(), claimedBy: null, claimedUntil: null } }),
        prisma.settingChange.create({ data: { adminId, key: 'model', oldValue: JSON.stringify(current), newValue: JSON.stringify({ model: target.model, headId }), model: current.model } }),
        prisma.modelChange.create({ data: { adminId, fromModel: current.model, toModel: target.model, headId, ...(await progress(target.model)) } }),
      ]);
      void tick();
      return created;
    },

    /** The change (default: the running one) each time it moves, until it is no longer running; polled every `everyMs`. */
    async *watchChange(id: string | null, everyMs = 1_000) {
      let last = '';
      for (;;) {
        const change = id ? await prisma.modelChange.findUnique({ where: { id } }) : await prisma.modelChange.findFirst({ where: { status: 'running' }, orderBy: { createdAt: 'desc' } });
        if (!change) return;
        id = change.id;
        const seen = `${change.status} ${change.done} ${change.total} ${change.failed}`;
        if (seen !== last) {
          last = seen;
          yield change;
        }
        if (change.status !== 'running') return;
        await sleep(everyMs);
      }
    },

    async cancelChange(id: string) {
      const done = await prisma.modelChange.updateMany({ where: { id, status: 'running' }, data: { status: 'cancelled', finishedAt: now(), claimedBy: null, claimedUntil: null } });
      if (done.count !== 1) throw new NotFoundError('running model change');
      return prisma.modelChange.findUniqueOrThrow({ where: { id } });
    },

    /** Runs what is due now (the poll does it every pollMs): tests and the start-up call it. */
    tick,
    /** Follows a switch another instance made (sync, or the poll). */
    follow,

    /**
     * The audit history replayed with the active model and with `headId`'s (null: the encoder alone): the
     * face image kept with each of the last `last` decided attempts is encoded again (on the pool, one at
     * a time), then decided against each model's gallery with today's settings. Face decisions only: the
     * access policy, liveness and second factor are left aside.
     */
    async compare(headId: string | null, last = 200): Promise<ModelComparison> {
      const candidate = await activeModelOf({ headId });
      const current: ActiveModel = { model: gallery.model, head: gallery.head };
      const config = deps.decisionConfig();
      // Each model's gallery: the sample's encoding in that model, else derived from the encoder's (a head is a
      // function of it), else missing.
      const samples = await prisma.faceSample.findMany({
        where: { person: { active: true } },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        select: { personId: true, model: true, encoding: true, encodings: { select: { model: true, encoding: true, source: true } } },
      });
      const galleryOf = (m: ActiveModel) => {
        const byPerson = new Map<string, number[][]>();
        let missing = 0;
        for (const s of samples) {
          const versions = new Map<string, Uint8Array>([[s.model, s.encoding], ...s.encodings.filter((e) => e.source !== 'failed').map((e) => [e.model, e.encoding] as const)]);
          const own = versions.get(m.model);
          const encoder = versions.get(ENCODER_MODEL_ID);
          const encoding = own ? decodeEncoding(cipher.open(own)) : encoder && m.head ? m.head.apply(decodeEncoding(cipher.open(encoder))) : null;
          if (!encoding) {
            missing++;
            continue;
          }
          byPerson.set(s.personId, [...(byPerson.get(s.personId) ?? []), encoding]);
        }
        return { search: searchWithHead(new GalleryMatrix(byPerson, { annThreshold: Number.POSITIVE_INFINITY }), m.head), missing };
      };
      const galleries = [galleryOf(current), galleryOf(candidate)] as const;
      const events = await prisma.recognitionEvent.findMany({
        where: { thumbnail: { not: null }, distance: { not: null }, decision: { in: ['accepted', 'refused', 'step_up'] } },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: Math.max(1, Math.min(last, 2_000)),
        select: { id: true, kind: true, claimedPersonId: true, thumbnail: true },
      });
      const replays = galleries.map(() => ({ accepted: 0, stepUp: 0, refused: 0, distances: [] as number[], verifyThreshold: Number.NaN }));
      const changes: ModelComparison['changes'][number][] = [];
      let unreadable = 0;
      for (const event of events) {
        if (event.kind === 'verify' && !event.claimedPersonId) {
          unreadable++;
          continue;
        }
        while (recognizer.queueDepth() > 0) await sleep(20);
        const result = await recognizer.analyze({ image: cipher.open(event.thumbnail!), faces: 'largest' });
        if (!result.ok) {
          unreadable++;
          continue;
        }
        const probe = [{ encoding: result.faces[0]!.encoding, quality: result.faces[0]!.quality }];
        const decisions = galleries.map((g, i) => {
          const d = event.kind === 'verify' ? decideVerification(probe, event.claimedPersonId!, g.search, config) : decideIdentification(probe, g.search, config);
          const r = replays[i]!;
          const outcome = OUTCOME[d.outcome];
          if (outcome === 'accepted') r.accepted++;
          else if (outcome === 'step_up') r.stepUp++;
          else r.refused++;
          if (d.distance !== null) r.distances.push(d.distance);
          if (event.kind === 'verify') r.verifyThreshold = d.threshold;
          return { outcome, person: outcome === 'accepted' ? d.identity : null, distance: d.distance };
        });
        const [before, after] = decisions as [(typeof decisions)[number], (typeof decisions)[number]];
        changes.push({ eventId: event.id, kind: event.kind, before: before.outcome, after: after.outcome, beforePersonId: before.person, afterPersonId: after.person, beforeDistance: before.distance, afterDistance: after.distance });
      }
      const replayOf = (i: 0 | 1, m: ActiveModel): ModelReplay => ({ model: m.model, ...replays[i]!, histogram: histogram(replays[i]!.distances), samplesMissing: galleries[i].missing });
      return {
        current: replayOf(0, current),
        candidate: replayOf(1, candidate),
        attempts: events.length,
        replayed: changes.length,
        unreadable,
        acceptedToRefused: changes.filter((c) => c.before === 'accepted' && c.after !== 'accepted').length,
        refusedToAccepted: changes.filter((c) => c.before !== 'accepted' && c.after === 'accepted').length,
        personChanged: changes.filter((c) => c.before === 'accepted' && c.after === 'accepted' && c.beforePersonId !== c.afterPersonId).length,
        unchanged: changes.filter((c) => c.before === c.after && c.beforePersonId === c.afterPersonId).length,
        changes,
      };
    },

    /**
     * Starts training a head in the background on the enrolled people (or on a folder under the training
     * root): the loss curve is written per epoch, the head saved as a ModelHead when done. Too few people
     * with two or more photos is refused at once (TooFewIdentitiesError) for the enrolled people.
     */
    async startTraining(input: { source: 'enrolled' | 'folder'; dir?: string | null; maxEpochs?: number | null; seed?: number | null }, adminId: string | null) {
      await refuseIfMoved();
      let dir: string | null = null;
      if (input.source === 'folder') {
        const root = deps.options?.trainingRoot;
        if (!root) throw new InvalidInputError('training from a folder is off: set FACEGATE_TRAINING_ROOT to the folder of training photos on the server');
        dir = path.resolve(root, input.dir ?? '.');
        if (dir !== path.resolve(root) && !dir.startsWith(path.resolve(root) + path.sep)) throw new InvalidInputError('the folder must be inside FACEGATE_TRAINING_ROOT');
        try {
          await readdir(dir);
        } catch {
          throw new InvalidInputError(`no folder ${input.dir ?? '.'} under the training root`);
        }
      } else {
        // Counted before anything runs: a deployment of a few people cannot train anything honest.
        const people = await prisma.person.findMany({ where: { active: true }, select: { _count: { select: { samples: true } } } });
        const n = people.filter((p) => p._count.samples >= 2).length;
        if (n < MIN_TRAINING_IDENTITIES) throw new TooFewIdentitiesError(n, MIN_TRAINING_IDENTITIES);
      }
      if (await prisma.trainingRun.findFirst({ where: { status: 'running', claimedUntil: { gt: now() } } })) throw new InvalidInputError('a training run is going on already');
      const run = await prisma.trainingRun.create({ data: { adminId, source: input.source, dir, claimedBy: me, claimedUntil: new Date(now().getTime() + leaseMs) } });
      const job = (async () => {
        try {
          const renew = leaseKeeper(run.id);
          const people = input.source === 'folder' ? await folderViews(dir!, renew) : await enrolledViews(renew);
          await train(run.id, people, { ...(input.maxEpochs ? { maxEpochs: input.maxEpochs } : {}), ...(input.seed ? { seed: input.seed } : {}) });
        } catch (error) {
          const code = error instanceof TooFewIdentitiesError ? error.code : 'TRAINING_FAILED';
          await prisma.trainingRun
            .update({ where: { id: run.id }, data: { status: 'failed', errorCode: code, error: error instanceof Error ? error.message : String(error), finishedAt: now(), claimedBy: null, claimedUntil: null } })
            .catch(() => {});
        }
      })();
      training.add(job);
      void job.finally(() => training.delete(job));
      return run;
    },
    trainingRuns: (limit = 10) => prisma.trainingRun.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit }),
    trainingRun: (id: string) => prisma.trainingRun.findUnique({ where: { id } }),
    /** Training runs whose instance stopped (no renewal) are marked failed, not left "running" forever. */
    async expireTraining() {
      await prisma.trainingRun.updateMany({ where: { status: 'running', claimedUntil: { lt: now() } }, data: { status: 'failed', errorCode: 'INTERRUPTED', error: 'the API instance running it stopped', claimedBy: null, claimedUntil: null } });
    },

    /** Stops after the sample being encoded; the job's lease is released so a restart resumes at once. */
    async close() {
      stopping = true;
      clearInterval(poll);
      await running;
      // A training run is not waited for: its lease lapses and the next start marks it interrupted.
      await prisma.modelChange.updateMany({ where: { claimedBy: me, status: 'running' }, data: { claimedBy: null, claimedUntil: null } });
    },
  };
}

export type ModelsService = ReturnType<typeof createModelsService>;
