import { encodeEncoding } from '../../db/codecs.ts';
import { InvalidInputError, NotFoundError } from '../../errors.ts';
import type { ActiveModel } from '../../recognizer/gallery.ts';
import { ACTIVE_MODEL_KEY, followActiveModel, readActiveModel, type ActiveModelRecord, type Heads } from './active-model.ts';
import type { EncoderMoveWatch } from './encoder.ts';
import { encoderEncoding, sleep, type ModelsDeps, type ModelsInstance } from './shared.ts';

/** Samples with no encoding in `model` yet (enrolled in another, and not re-encoded into it). */
const lacking = (model: string) => ({ model: { not: model }, encodings: { none: { model } } });

/**
 * The change of model: a background job that re-encodes every sample from its stored photo into the
 * target model, then switches at once. One instance holds it at a time (a lease renewed as it goes);
 * samples enrolled in another model after a switch (stragglers) are re-encoded too.
 */
export function createReencodeJob(
  deps: ModelsDeps & {
    instance: ModelsInstance;
    heads: Heads;
    encoderMove: EncoderMoveWatch;
    /** Tell the other instances that the active model changed. */
    publish: () => void;
    /** People whose samples were re-encoded into the active model (stragglers): refresh every instance's gallery. */
    changed?: ((ids: string[]) => Promise<void>) | undefined;
    pollMs: number;
    batch: number;
  },
) {
  const { prisma, cipher, gallery, instance, heads, pollMs, batch } = deps;
  const { me, leaseMs, now } = instance;
  let running: Promise<void> | null = null;
  // Stragglers are looked for every this many polls (a scan of the samples), and after a switch.
  const sweepEvery = Math.max(1, Math.round(60_000 / pollMs));
  let ticks = 0;

  const follow = () => followActiveModel(prisma, gallery, heads);

  /** Re-encodes one sample into `target` (idempotent: an existing row is left as it is). */
  async function reencode(sampleId: string, target: ActiveModel): Promise<boolean> {
    const sample = await prisma.faceSample.findUnique({ where: { id: sampleId }, select: { original: true, thumbnail: true } });
    if (!sample) return true; // deleted meanwhile
    const face = await encoderEncoding(deps, instance, sample);
    if (face && face.model !== (target.head?.encoderModelId ?? target.model))
      throw new Error(`the recognizer's encoder is ${face.model}, the target model needs ${target.head?.encoderModelId ?? target.model}`);
    const encoding = face ? (target.head ? target.head.apply(face.encoding) : face.encoding) : null;
    const data = { encoding: encoding ? cipher.seal(encodeEncoding(encoding)) : new Uint8Array(0), source: face ? face.source : 'failed' };
    try {
      await prisma.sampleEncoding.upsert({
        where: { sampleId_model: { sampleId, model: target.model } },
        create: { sampleId, model: target.model, ...data },
        update: {},
      });
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
    const target = await heads.activeModelOf(change);
    if (target.model !== change.toModel) throw new Error(`head ${change.headId} computes ${target.model}, not ${change.toModel}`);
    for (;;) {
      if (instance.stopping) return;
      const counts = await progress(target.model);
      // The lease renewed, and the progress written, only while this instance still holds a running job.
      const held = await prisma.modelChange.updateMany({
        where: { id: changeId, claimedBy: me, status: 'running' },
        data: { ...counts, claimedUntil: new Date(now().getTime() + leaseMs) },
      });
      if (held.count !== 1) return; // cancelled, or taken over after a stall
      const pending = await prisma.faceSample.findMany({
        where: lacking(target.model),
        orderBy: { id: 'asc' },
        take: batch,
        select: { id: true },
      });
      if (pending.length === 0) return switchTo(changeId, change, target);
      for (const { id } of pending) {
        if (instance.stopping) return;
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
    if (running || instance.stopping) return;
    running = (async () => {
      if (await deps.encoderMove.moved()) return;
      await follow();
      const change = await prisma.modelChange.findFirst({ where: { status: 'running' }, orderBy: { createdAt: 'desc' } });
      if (change) {
        const at = now();
        const claimed = await prisma.modelChange.updateMany({
          where: {
            id: change.id,
            status: 'running',
            OR: [{ claimedBy: null }, { claimedUntil: null }, { claimedUntil: { lt: at } }, { claimedBy: me }],
          },
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
      while (!instance.stopping) {
        const stragglers = await prisma.faceSample.findMany({
          where: lacking(active.model),
          take: batch,
          select: { id: true, personId: true },
        });
        if (stragglers.length === 0) break;
        for (const { id } of stragglers) if (!instance.stopping) await reencode(id, active);
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

  return {
    changes: (limit = 20) => prisma.modelChange.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit }),
    /** The change being run, if any. */
    runningChange: () => prisma.modelChange.findFirst({ where: { status: 'running' }, orderBy: { createdAt: 'desc' } }),

    /**
     * Asks for another active model (`headId` null: the encoder alone): logged like every setting change,
     * then a background job re-encodes every sample and switches. Decisions keep the current model until
     * then. A change already running to another model is cancelled (what it re-encoded stays, reusable).
     */
    async requestChange(headId: string | null, adminId: string | null) {
      await deps.encoderMove.refuseIfMoved();
      const target = await heads.activeModelOf({ headId });
      const current = await readActiveModel(prisma);
      const runningChange = await prisma.modelChange.findFirst({ where: { status: 'running' } });
      if (runningChange?.toModel === target.model) return runningChange;
      if (!runningChange && current.model === target.model) throw new InvalidInputError(`${target.model} is the active model already`);
      const [, , created] = await prisma.$transaction([
        prisma.modelChange.updateMany({
          where: { status: 'running' },
          data: { status: 'cancelled', finishedAt: now(), claimedBy: null, claimedUntil: null },
        }),
        prisma.settingChange.create({
          data: {
            adminId,
            key: 'model',
            oldValue: JSON.stringify(current),
            newValue: JSON.stringify({ model: target.model, headId }),
            model: current.model,
          },
        }),
        prisma.modelChange.create({
          data: { adminId, fromModel: current.model, toModel: target.model, headId, ...(await progress(target.model)) },
        }),
      ]);
      void tick();
      return created;
    },

    /** The change (default: the running one) each time it moves, until it is no longer running; polled every `everyMs`. */
    async *watchChange(id: string | null, everyMs = 1_000) {
      let last = '';
      for (;;) {
        const change = id
          ? await prisma.modelChange.findUnique({ where: { id } })
          : await prisma.modelChange.findFirst({ where: { status: 'running' }, orderBy: { createdAt: 'desc' } });
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
      const done = await prisma.modelChange.updateMany({
        where: { id, status: 'running' },
        data: { status: 'cancelled', finishedAt: now(), claimedBy: null, claimedUntil: null },
      });
      if (done.count !== 1) throw new NotFoundError('running model change');
      return prisma.modelChange.findUniqueOrThrow({ where: { id } });
    },

    /** Runs what is due now (the poll does it every pollMs): tests and the start-up call it. */
    tick,
    /** Follows a switch another instance made (sync, or the poll). */
    follow,

    /** Stops after the sample being encoded; the job's lease is released so a restart resumes at once. */
    async close() {
      instance.stopping = true;
      clearInterval(poll);
      await running;
      await prisma.modelChange.updateMany({ where: { claimedBy: me, status: 'running' }, data: { claimedBy: null, claimedUntil: null } });
    },
  };
}
