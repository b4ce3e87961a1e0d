import type { EncodingHead } from './head.ts';

/** A stored encoding and the model id that produced it (FaceSample.encoding and FaceSample.model). */
export interface StoredEncoding {
  readonly encoding: readonly number[];
  readonly model: string;
}

/**
 * The encoding as the active model (the encoder alone, or the encoder with `head`) would give it, or
 * null when it cannot be had without the photo. Same model: as stored. The encoder's own encoding and a
 * head on that encoder: the head applied (a head is a function of the encoder's encoding, so changing or
 * dropping a head needs no photo). Anything else (another encoder, another head's output): null, to be
 * re-encoded from the photo or aligned chip; it is never compared as it is.
 */
export function encodingForModel(stored: StoredEncoding, encoderModelId: string, head: EncodingHead | null): number[] | null {
  const active = head?.modelId ?? encoderModelId;
  if (head && head.encoderModelId !== encoderModelId)
    throw new Error(`head ${head.id} is for ${head.encoderModelId}, not for ${encoderModelId}`);
  if (stored.model === active) return [...stored.encoding];
  if (head && stored.model === encoderModelId) return head.apply(stored.encoding);
  return null;
}

/**
 * A gallery in one model: every sample brought to the active model, and the samples that could not be
 * (they need re-encoding from their photos). Decisions on the result never mix two models.
 */
export function galleryForModel<T extends StoredEncoding>(
  samples: readonly T[],
  encoderModelId: string,
  head: EncodingHead | null,
): { model: string; ready: { sample: T; encoding: number[] }[]; needPhoto: T[] } {
  const ready: { sample: T; encoding: number[] }[] = [];
  const needPhoto: T[] = [];
  for (const sample of samples) {
    const encoding = encodingForModel(sample, encoderModelId, head);
    if (encoding) ready.push({ sample, encoding });
    else needPhoto.push(sample);
  }
  return { model: head?.modelId ?? encoderModelId, ready, needPhoto };
}
