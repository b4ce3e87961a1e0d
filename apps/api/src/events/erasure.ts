import type { Prisma } from '../db/prisma.ts';

/**
 * A deleted person leaves the events out too: their id and name are removed from the payloads waiting
 * for the MQTT broker and from every webhook delivery, pending or logged (the decision, reason and
 * time stay). Called by the person's deletion, after it; the events service calls it too when it
 * wrote a payload naming a person who is gone by then (a deletion racing the write). Returns the rows
 * changed.
 */
export async function erasePersonFromEvents(prisma: Prisma, personId: string): Promise<number> {
  const needle = JSON.stringify({ personId }).slice(1, -1); // "personId":"<id>"
  let changed = 0;
  const scrub = (payload: string) => JSON.stringify({ ...(JSON.parse(payload) as object), personId: null, personName: null });
  for (const row of await prisma.webhookDelivery.findMany({
    where: { payload: { contains: needle } },
    select: { id: true, payload: true },
  })) {
    changed += (
      await prisma.webhookDelivery.updateMany({ where: { id: row.id, payload: row.payload }, data: { payload: scrub(row.payload) } })
    ).count;
  }
  for (const row of await prisma.outboxMessage.findMany({
    where: { payload: { contains: needle } },
    select: { id: true, payload: true },
  })) {
    changed += (
      await prisma.outboxMessage.updateMany({ where: { id: row.id, payload: row.payload }, data: { payload: scrub(row.payload) } })
    ).count;
  }
  return changed;
}
