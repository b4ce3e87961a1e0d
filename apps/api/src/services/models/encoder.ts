import { ENCODER_MODEL_ID, encoderModelId, precisionOfModel, type EncoderPrecision } from '@facegate/face-core';
import { InvalidInputError } from '../../errors.ts';
import type { Prisma } from '../../db/prisma.ts';
import { ACTIVE_MODEL_KEY, readActiveModel, type ActiveModelRecord } from './active-model.ts';

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
  if (!precision)
    throw new Error(
      `this database's faces are encoded with ${recorded}, which this version does not compute: move it to an encoder it has (facegate models encoder int8|float32), which re-encodes every face`,
    );
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
export async function moveEncoder(
  prisma: Prisma,
  target: string,
  adminId: string | null,
  options: { dropHead?: boolean; now?: Date } = {},
): Promise<{ from: string | null; to: string; faces: number; droppedHead: string | null }> {
  const now = options.now ?? new Date();
  const active = await readActiveModel(prisma);
  // A head applies to its own encoder's encodings: the move makes the encoder alone active, said aloud.
  if (active.headId && !options.dropHead)
    throw new InvalidInputError(
      `a head is the active model (${active.model}); the move makes the encoder alone the active model: pass --drop-head to move anyway`,
    );
  const from = (await prisma.setting.findUnique({ where: { key: ENCODER_MODEL_KEY } }))?.value ?? null;
  const value = JSON.stringify({ model: target, headId: null } satisfies ActiveModelRecord);
  await prisma.$transaction([
    prisma.modelChange.updateMany({
      where: { status: 'running' },
      data: { status: 'cancelled', finishedAt: now, claimedBy: null, claimedUntil: null },
    }),
    prisma.setting.upsert({
      where: { key: ENCODER_MODEL_KEY },
      create: { key: ENCODER_MODEL_KEY, value: target },
      update: { value: target },
    }),
    prisma.setting.upsert({ where: { key: ACTIVE_MODEL_KEY }, create: { key: ACTIVE_MODEL_KEY, value }, update: { value } }),
    prisma.settingChange.create({
      data: {
        adminId,
        key: ENCODER_MODEL_KEY,
        oldValue: JSON.stringify(from),
        newValue: JSON.stringify(target),
        model: from ?? active.model,
      },
    }),
  ]);
  return { from, to: target, faces: await prisma.faceSample.count(), droppedHead: active.headId };
}

/** Whether the database moved to another encoder since this process started (it then waits to be restarted). */
export function watchEncoderMove(prisma: Prisma) {
  let movedWarned = false;
  async function moved(): Promise<boolean> {
    const recorded = (await prisma.setting.findUnique({ where: { key: ENCODER_MODEL_KEY } }))?.value;
    if (recorded === undefined || recorded === ENCODER_MODEL_ID) return false;
    if (!movedWarned)
      console.warn(
        `facegate models: the database moved to the encoder ${recorded}; this process encodes with ${ENCODER_MODEL_ID} and re-encodes nothing until it is restarted`,
      );
    movedWarned = true;
    return true;
  }
  return {
    moved,
    /** A change or a training asked of an instance whose database moved would run on the old encoder: refused. */
    async refuseIfMoved(): Promise<void> {
      if (await moved())
        throw new InvalidInputError(
          `the database moved to another encoder; this instance still runs ${ENCODER_MODEL_ID}: restart it first`,
        );
    },
  };
}

export type EncoderMoveWatch = ReturnType<typeof watchEncoderMove>;
