import type { DataCipher } from '../../db/sealed.ts';
import type { Gallery } from '../../recognizer/gallery.ts';
import type { Recognizer } from '../../recognizer/pool.ts';
import type { Prisma } from '../../db/prisma.ts';

/** What the parts of the models service share: the database, the pool, the gallery decisions use. */
export interface ModelsDeps {
  readonly prisma: Prisma;
  readonly cipher: DataCipher;
  readonly recognizer: Recognizer;
  readonly gallery: Gallery;
}

/** This instance: its name in job and training leases, their length, its clock, and whether it is closing. */
export interface ModelsInstance {
  readonly me: string;
  readonly leaseMs: number;
  readonly now: () => Date;
  stopping: boolean;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The doors first: waits while their photos queue for a worker (not once `stopped`). */
export async function afterTheDoors(recognizer: Recognizer, stopped: () => boolean = () => false): Promise<void> {
  while (recognizer.queueDepth() > 0 && !stopped()) await sleep(20);
}

/** The encoder's encoding of a stored photo (the enrolment photo, else the aligned chip), on the pool. */
export async function encoderEncoding(
  deps: Pick<ModelsDeps, 'cipher' | 'recognizer'>,
  instance: ModelsInstance,
  sample: { original: Uint8Array | null; thumbnail: Uint8Array },
) {
  for (const [source, sealed] of [
    ['original', sample.original],
    ['thumbnail', sample.thumbnail],
  ] as const) {
    if (!sealed) continue;
    await afterTheDoors(deps.recognizer, () => instance.stopping);
    const result = await deps.recognizer.analyze({ image: deps.cipher.open(sealed), faces: 'largest' });
    if (result.ok) return { source, encoding: result.faces[0]!.encoding, quality: result.faces[0]!.quality, model: result.model };
  }
  return null;
}
