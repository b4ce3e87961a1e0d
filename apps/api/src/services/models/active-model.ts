import { ENCODER_MODEL_ID, headFromArtefact, type EncodingHead, type HeadArtefact } from '@facegate/face-core';
import { InvalidInputError, NotFoundError } from '../../errors.ts';
import type { ActiveModel, Gallery } from '../../recognizer/gallery.ts';
import type { Prisma } from '../../db/prisma.ts';

/** The Setting row naming the model decisions use: JSON { model, headId }. Switched only by a finished ModelChange. */
export const ACTIVE_MODEL_KEY = 'activeModel';

export interface ActiveModelRecord {
  readonly model: string;
  readonly headId: string | null;
}

/** The encoder alone (this process's: ENCODER_MODEL_ID follows the database's, app.ts). */
const encoderOnly = (): ActiveModelRecord => ({ model: ENCODER_MODEL_ID, headId: null });

export async function readActiveModel(prisma: Prisma): Promise<ActiveModelRecord> {
  const row = await prisma.setting.findUnique({ where: { key: ACTIVE_MODEL_KEY } });
  const record = row ? (JSON.parse(row.value) as ActiveModelRecord) : encoderOnly();
  // Without a head, the active model is this process's encoder (a record from before a move names the old one).
  return record.headId ? record : encoderOnly();
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
    throw new Error(
      `the active model's head was trained on ${head.encoderModelId}, but this database's encoder is ${ENCODER_MODEL_ID}: facegate models encoder --drop-head makes the encoder alone active`,
    );
  }
  return { model: record.model, head };
}

/** The learned heads the deployment knows (loaded once each), and the models they make. */
export function createHeads(prisma: Prisma) {
  const heads = new Map<string, EncodingHead>();

  async function head(id: string): Promise<EncodingHead> {
    const cached = heads.get(id);
    if (cached) return cached;
    const row = await prisma.modelHead.findUnique({ where: { id } });
    if (!row) throw new NotFoundError('model head');
    const loaded = headFromArtefact(JSON.parse(row.artefact) as HeadArtefact);
    heads.set(id, loaded);
    return loaded;
  }

  /** Checks and stores a head artefact; the same head twice is one row. */
  async function save(artefact: HeadArtefact, source: 'upload' | 'training') {
    let checked: EncodingHead;
    try {
      checked = headFromArtefact(artefact);
    } catch (error) {
      throw new InvalidInputError(`not a usable head: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (checked.encoderModelId !== ENCODER_MODEL_ID)
      throw new InvalidInputError(`the head was trained on ${checked.encoderModelId}; this deployment's encoder is ${ENCODER_MODEL_ID}`);
    return prisma.modelHead.upsert({
      where: { id: checked.id },
      create: {
        id: checked.id,
        modelId: checked.modelId,
        encoderModelId: checked.encoderModelId,
        artefact: JSON.stringify(artefact),
        source,
      },
      update: {},
    });
  }

  return {
    save,
    /** The model of a record (`headId` null: the encoder alone), its head loaded. */
    async activeModelOf(record: { headId: string | null }): Promise<ActiveModel> {
      if (!record.headId) return { model: ENCODER_MODEL_ID, head: null };
      const h = await head(record.headId);
      // Its encodings would be compared with this encoder's probes: never.
      if (h.encoderModelId !== ENCODER_MODEL_ID)
        throw new InvalidInputError(`the head was trained on ${h.encoderModelId}; this deployment's encoder is ${ENCODER_MODEL_ID}`);
      return { model: h.modelId, head: h };
    },
    /** Stores a head artefact (JSON text, as `facegate train` writes it). */
    async add(json: string) {
      let artefact: HeadArtefact;
      try {
        artefact = JSON.parse(json) as HeadArtefact;
      } catch {
        throw new InvalidInputError('the head file is not JSON');
      }
      return save(artefact, 'upload');
    },
  };
}

export type Heads = ReturnType<typeof createHeads>;

/** Brings the gallery to the model the database names (another instance may have switched). */
export async function followActiveModel(prisma: Prisma, gallery: Gallery, heads: Heads): Promise<void> {
  const record = await readActiveModel(prisma);
  if (record.model !== gallery.model) await gallery.switchModel(await heads.activeModelOf(record));
}
