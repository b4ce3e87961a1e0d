import type { Encoding } from '@facegate/face-core';
import type { GalleryPerson } from '../../recognizer/gallery.ts';
import { decodeEncoding } from '../../db/codecs.ts';
import type { DataCipher } from '../../db/sealed.ts';
import type { Prisma } from '../../db/prisma.ts';

/** The gallery's view of people, read from the database. */
export function createGalleryLoader(prisma: Prisma, cipher: DataCipher, modelId: string) {
  /**
   * The whole gallery (at start, after a model switch) in two plain queries, rows rather than Prisma's
   * nested objects: with 100,000 people those dominated the time to ready. Same rows and order as
   * loadGallery's query for some people.
   */
  async function loadWholeGallery(model: string): Promise<GalleryPerson[]> {
    const people = await prisma.$queryRaw<{ id: string; name: string; cardId: string | null; active: boolean | number | bigint }[]>`
      SELECT "id", "name", "cardId", "active" FROM "Person"`;
    const samples = await prisma.$queryRaw<{ personId: string; model: string; encoding: Uint8Array; modelEncoding: Uint8Array | null }[]>`
      SELECT s."personId", s."model", s."encoding", e."encoding" AS "modelEncoding"
      FROM "FaceSample" s
      LEFT JOIN "SampleEncoding" e ON e."sampleId" = s."id" AND e."model" = ${model} AND e."source" <> 'failed'
      WHERE s."model" = ${model} OR e."sampleId" IS NOT NULL
      ORDER BY s."personId", s."createdAt", s."id"`;
    const encodings = new Map<string, Encoding[]>();
    for (const row of samples) {
      const sealed = row.model === model ? row.encoding : row.modelEncoding!;
      const list = encodings.get(row.personId) ?? [];
      list.push(decodeEncoding(cipher.open(new Uint8Array(sealed))));
      encodings.set(row.personId, list);
    }
    return people.map((p) => ({
      id: p.id,
      name: p.name,
      cardId: p.cardId,
      active: Boolean(p.active),
      encodings: encodings.get(p.id) ?? [],
    }));
  }

  return {
    /**
     * The gallery's view of people: encodings of `model` only, as enrolled in it or re-encoded into it
     * (SampleEncoding); a sample with neither is left out, never compared in another model.
     */
    async loadGallery(ids?: readonly string[], model: string = modelId): Promise<GalleryPerson[]> {
      if (!ids) return loadWholeGallery(model);
      const people = await prisma.person.findMany({
        where: ids ? { id: { in: [...ids] } } : {},
        include: {
          samples: {
            where: { OR: [{ model }, { encodings: { some: { model, source: { not: 'failed' } } } }] },
            orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
            select: { model: true, encoding: true, encodings: { where: { model }, select: { encoding: true } } },
          },
        },
      });
      return people.map((p) => ({
        id: p.id,
        name: p.name,
        cardId: p.cardId,
        active: p.active,
        encodings: p.samples.map((s) => decodeEncoding(cipher.open(s.model === model ? s.encoding : s.encodings[0]!.encoding))),
      }));
    },
  };
}
