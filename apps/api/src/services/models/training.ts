import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ENCODER_MODEL_ID, headArtefact, loadViewEncoder, trainHead, type EpochStats, type FaceViews } from '@facegate/face-core';
import { decodeEncoding } from '../../db/codecs.ts';
import { InvalidInputError, TooFewIdentitiesError } from '../../errors.ts';
import type { Heads } from './active-model.ts';
import type { EncoderMoveWatch } from './encoder.ts';
import { afterTheDoors, encoderEncoding, type ModelsDeps, type ModelsInstance } from './shared.ts';

/**
 * Training needs 8 people with two or more photos: 20 % of them (at least 2) are held out for early
 * stopping, and at least 2 remain to learn from (face-core learning/train.ts).
 */
export const MIN_TRAINING_IDENTITIES = 8;

/**
 * Training runs: a head learned in the background on the enrolled people (or a folder under the
 * training root), its loss curve written per epoch, the head saved as a ModelHead when done. A run
 * holds a lease while it goes; one whose instance stopped is marked interrupted at the next start.
 */
export function createTraining(
  deps: ModelsDeps & { instance: ModelsInstance; heads: Heads; encoderMove: EncoderMoveWatch; trainingRoot: string | null | undefined },
) {
  const { prisma, cipher, recognizer, instance } = deps;
  const { me, leaseMs, now } = instance;
  const training = new Set<Promise<void>>();

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
      select: {
        id: true,
        personId: true,
        model: true,
        encoding: true,
        original: true,
        thumbnail: true,
        encodings: { where: { model: ENCODER_MODEL_ID }, select: { encoding: true, source: true } },
      },
    });
    const people = new Map<string, FaceViews[]>();
    for (const s of samples) {
      await renew();
      let encoding: number[] | null = null;
      if (s.model === ENCODER_MODEL_ID) encoding = decodeEncoding(cipher.open(s.encoding));
      else if (s.encodings[0] && s.encodings[0].source !== 'failed') encoding = decodeEncoding(cipher.open(s.encodings[0].encoding));
      else encoding = (await encoderEncoding(deps, instance, s))?.encoding ?? null;
      if (!encoding) continue;
      // Only the engine encoding is stored: the chip and mirror views are that encoding too (no flip augmentation).
      const views: FaceViews = {
        encoding,
        chip: encoding,
        mirror: encoding,
        quality: { eyeDistancePx: 0, sharpness: 0, brightness: 0, yawDeg: 0, pitchDeg: 0 },
      };
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
      const folders = (
        await Promise.all(entries.map(async (e) => ((await stat(path.join(dir, e)).catch(() => null))?.isDirectory() ? e : null)))
      )
        .filter((e): e is string => e !== null)
        .sort();
      for (const name of folders) {
        for (const file of (await readdir(path.join(dir, name))).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort()) {
          await renew();
          const full = path.join(dir, name, file);
          let views = await cache.encode(full);
          if (views === undefined) {
            await afterTheDoors(recognizer, () => instance.stopping);
            const result = await recognizer.analyze({ image: new Uint8Array(await readFile(full)), faces: 'largest' });
            views = result.ok
              ? {
                  encoding: result.faces[0]!.encoding,
                  chip: result.faces[0]!.encoding,
                  mirror: result.faces[0]!.encoding,
                  quality: result.faces[0]!.quality,
                }
              : null;
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
    await prisma.trainingRun.update({
      where: { id: runId },
      data: { identities: people.size, photos: [...people.values()].reduce((a, v) => a + v.length, 0) },
    });
    let writes = Promise.resolve();
    const onEpoch = (s: EpochStats) => {
      curve.push({ epoch: s.epoch, trainLoss: s.trainLoss, heldOutLoss: s.heldOutLoss, heldOutFnmr: s.heldOutFnmr });
      const snapshot = JSON.stringify(curve);
      writes = writes.then(
        async () =>
          void (await prisma.trainingRun.update({
            where: { id: runId },
            data: { curve: snapshot, claimedUntil: new Date(now().getTime() + leaseMs) },
          })),
      );
    };
    const result = await trainHead(
      people,
      { ...(config.maxEpochs ? { maxEpochs: config.maxEpochs } : {}), ...(config.seed ? { seed: config.seed } : {}) },
      onEpoch,
    );
    await writes;
    const artefact = headArtefact(
      ENCODER_MODEL_ID,
      result.weights,
      result.bias,
      {
        source: 'api',
        trainingRunId: runId,
        trainIdentities: result.trainIdentities.length,
        heldOutIdentities: result.heldOutIdentities.length,
        trainPhotos: result.trainPhotos,
      },
      {
        heldOutLossBefore: result.heldOutLossBefore,
        heldOutLossAfter: result.heldOutLossAfter,
        bestEpoch: result.bestEpoch,
        stoppedEarly: result.stoppedEarly,
        curve,
      },
    );
    await deps.heads.save(artefact, 'training');
    await prisma.trainingRun.update({
      where: { id: runId },
      data: { status: 'done', headId: artefact.id, curve: JSON.stringify(curve), finishedAt: now(), claimedBy: null, claimedUntil: null },
    });
  }

  return {
    /**
     * Starts training a head in the background on the enrolled people (or on a folder under the training
     * root): the loss curve is written per epoch, the head saved as a ModelHead when done. Too few people
     * with two or more photos is refused at once (TooFewIdentitiesError) for the enrolled people.
     */
    async startTraining(
      input: { source: 'enrolled' | 'folder'; dir?: string | null; maxEpochs?: number | null; seed?: number | null },
      adminId: string | null,
    ) {
      await deps.encoderMove.refuseIfMoved();
      let dir: string | null = null;
      if (input.source === 'folder') {
        const root = deps.trainingRoot;
        if (!root)
          throw new InvalidInputError(
            'training from a folder is off: set FACEGATE_TRAINING_ROOT to the folder of training photos on the server',
          );
        dir = path.resolve(root, input.dir ?? '.');
        if (dir !== path.resolve(root) && !dir.startsWith(path.resolve(root) + path.sep))
          throw new InvalidInputError('the folder must be inside FACEGATE_TRAINING_ROOT');
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
      if (await prisma.trainingRun.findFirst({ where: { status: 'running', claimedUntil: { gt: now() } } }))
        throw new InvalidInputError('a training run is going on already');
      const run = await prisma.trainingRun.create({
        data: { adminId, source: input.source, dir, claimedBy: me, claimedUntil: new Date(now().getTime() + leaseMs) },
      });
      const job = (async () => {
        try {
          const renew = leaseKeeper(run.id);
          const people = input.source === 'folder' ? await folderViews(dir!, renew) : await enrolledViews(renew);
          await train(run.id, people, {
            ...(input.maxEpochs ? { maxEpochs: input.maxEpochs } : {}),
            ...(input.seed ? { seed: input.seed } : {}),
          });
        } catch (error) {
          const code = error instanceof TooFewIdentitiesError ? error.code : 'TRAINING_FAILED';
          await prisma.trainingRun
            .update({
              where: { id: run.id },
              data: {
                status: 'failed',
                errorCode: code,
                error: error instanceof Error ? error.message : String(error),
                finishedAt: now(),
                claimedBy: null,
                claimedUntil: null,
              },
            })
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
      await prisma.trainingRun.updateMany({
        where: { status: 'running', claimedUntil: { lt: now() } },
        data: {
          status: 'failed',
          errorCode: 'INTERRUPTED',
          error: 'the API instance running it stopped',
          claimedBy: null,
          claimedUntil: null,
        },
      });
    },
  };
}
