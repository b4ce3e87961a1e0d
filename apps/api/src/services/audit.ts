import { createPubSub } from 'graphql-yoga';
import type { DataCipher } from '../db/sealed.ts';
import { createAuditChain, sealPersonal, type PersonalRole, type Tx } from './audit-chain.ts';
import type { Prisma, RecognitionEventModel } from '../db/prisma.ts';

export type RecognitionEventRow = RecognitionEventModel;

export interface AuditRecord {
  readonly kind: 'verify' | 'identify';
  readonly doorId: string | null;
  /** The door's name, when the caller read it with the door (else record reads it). */
  readonly doorLabel?: string | null;
  readonly apiKeyId: string | null;
  readonly adminId: string | null;
  readonly claimedPersonId?: string | null;
  readonly claimedLabel?: string | null;
  readonly decidedPersonId?: string | null;
  readonly decidedLabel?: string | null;
  readonly distance?: number | null;
  readonly threshold: number;
  readonly rivalPersonId?: string | null;
  readonly rivalLabel?: string | null;
  readonly rivalDistance?: number | null;
  readonly livenessScore?: number | null;
  /** Frames sent, and frames that passed the quality gates and were fused. */
  readonly frames?: number;
  readonly framesUsed?: number;
  readonly model: string;
  readonly decision: 'accepted' | 'refused' | 'step_up' | 'error';
  readonly reason: string;
  readonly thumbnail?: Uint8Array | null;
  /** A step-up: why a second factor is asked, and of whom. */
  readonly stepUpReason?: string | null;
  readonly stepUpPersonId?: string | null;
  /** What the detector saw in the first frame (services/photo-faces.ts, JSON): boxes, never the photo. */
  readonly photoFaces?: string | null;
}

/**
 * A write that belongs to the attempt's record (a sample learnt from its frame: adaptive-templates.ts),
 * made in the same transaction, after the event: the event names what it wrote (learntSampleId) and the
 * chain covers that, so the attempt stays one audit event and nothing is learnt unaudited.
 */
export interface AttemptLearning {
  /** Returns the id of the sample learnt, or null when none was. */
  write(tx: Tx, eventId: string): Promise<string | null>;
  /** After the transaction committed with a sample learnt. */
  learnt(sampleId: string): Promise<void>;
}

/** How a step-up attempt ends: the PIN's tries and the final decision (the same audit event). */
export interface AuditCompletion {
  readonly decision: 'accepted' | 'refused' | 'step_up';
  readonly reason: string;
  readonly pinTries: number;
  readonly decidedPersonId?: string | null;
  readonly decidedLabel?: string | null;
}

export interface AuditFilter {
  readonly doorId?: string | null;
  readonly personId?: string | null;
  readonly decision?: string | null;
  readonly kind?: string | null;
  readonly from?: Date | null;
  readonly to?: Date | null;
}

/** The audit log: written once per attempt, read with filters, followed live. */
export function createAuditService(
  prisma: Prisma,
  options: {
    provider: 'sqlite' | 'postgresql';
    cipher: DataCipher;
    /** The clock events are dated by (the one schedules are read against, so both agree). */
    now?: () => Date;
    /** Called once per attempt recorded by this instance. */
    onRecorded?: (event: RecognitionEventRow, writeSeconds: number) => void;
    /** Called when a step-up attempt is completed (or a PIN try is counted) by this instance. */
    onCompleted?: (event: RecognitionEventRow) => void;
  },
) {
  const pubSub = createPubSub<{ recognitionEvent: [RecognitionEventRow] }>();
  // Every write of an event is a link of the hash chain (audit-chain.ts), in the same transaction.
  const chain = createAuditChain(prisma, options.provider);

  function where(filter: AuditFilter) {
    return {
      ...(filter.doorId ? { doorId: filter.doorId } : {}),
      ...(filter.decision ? { decision: filter.decision } : {}),
      ...(filter.kind ? { kind: filter.kind } : {}),
      ...(filter.personId ? { OR: [{ claimedPersonId: filter.personId }, { decidedPersonId: filter.personId }] } : {}),
      ...(filter.from || filter.to
        ? { createdAt: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) } }
        : {}),
    };
  }

  return {
    async record(record: AuditRecord, learning?: AttemptLearning | null): Promise<RecognitionEventRow> {
      const started = performance.now();
      const createdAt = (options.now ?? (() => new Date()))();
      const thumbnail = record.thumbnail ? options.cipher.seal(record.thumbnail) : null;
      // The door's name as it is now: the event keeps it when the door is renamed or deleted.
      const doorLabel =
        record.doorLabel !== undefined
          ? record.doorLabel
          : record.doorId
            ? ((await prisma.door.findUnique({ where: { id: record.doorId }, select: { name: true } }))?.name ?? null)
            : null;
      const event = await chain.append(async (tx) => {
        const created = await tx.recognitionEvent.create({ data: { ...record, createdAt, thumbnail, doorLabel, ...sealPersonal(record) } });
        const learntSampleId = learning ? await learning.write(tx, created.id) : null;
        return learntSampleId ? tx.recognitionEvent.update({ where: { id: created.id }, data: { learntSampleId } }) : created;
      });
      // The attempt is decided and recorded: a failure to refresh the gallery must not turn it into an error.
      if (learning && event.learntSampleId)
        await learning.learnt(event.learntSampleId).catch((error: unknown) => console.error('facegate adaptive templates:', error));
      pubSub.publish('recognitionEvent', event);
      options.onRecorded?.(event, (performance.now() - started) / 1000);
      return event;
    },
    /**
     * A step-up attempt's PIN try, and its end: the attempt stays one audit event, updated in place
     * (decision, reason, tries, completion time). Only a pending step-up can change: the update is
     * conditional, so two racing completions cannot both succeed; null when it was no longer pending.
     */
    async complete(
      id: string,
      completion: AuditCompletion,
      now = (options.now ?? (() => new Date()))(),
      reserved = false,
    ): Promise<RecognitionEventRow | null> {
      const final = completion.decision !== 'step_up';
      const event = await chain.append(async (tx) => {
        const { count } = await tx.recognitionEvent.updateMany({
          // A try reserved by reservePinTry is counted already: the row holds its number.
          where: { id, decision: 'step_up', completedAt: null, pinTries: reserved ? completion.pinTries : completion.pinTries - 1 },
          data: { ...completion, ...(final ? { completedAt: now } : {}) },
        });
        if (count === 0) return null;
        const after = await tx.recognitionEvent.findUniqueOrThrow({ where: { id } });
        // The person decided may have changed: that role gets a new salt and hash, the others' are kept.
        return tx.recognitionEvent.update({ where: { id }, data: sealPersonal(after, ['decided'], after.personalHashes) });
      });
      if (!event) return null;
      pubSub.publish('recognitionEvent', event);
      options.onCompleted?.(event);
      return event;
    },
    /**
     * Takes one PIN try of a pending step-up attempt before its PIN is checked: one atomic increment in
     * the database, so parallel calls (on this instance or another) each get a try number of their own.
     * Returns it, or null when the attempt is no longer pending or has used `maxTries`.
     */
    async reservePinTry(id: string, maxTries: number): Promise<number | null> {
      // One statement, outside the chain's transaction (parallel tries on two SQLite processes would
      // queue on its lock): the try is linked when it is answered (complete), and `audit verify` reads
      // a pending step-up one try ahead of its last link as a try in flight.
      const rows = await prisma.$queryRaw<{ pinTries: number | bigint }[]>`
        UPDATE "RecognitionEvent" SET "pinTries" = "pinTries" + 1
        WHERE "id" = ${id} AND "decision" = 'step_up' AND "completedAt" IS NULL AND "pinTries" < ${maxTries}
        RETURNING "pinTries"`;
      return rows[0] ? Number(rows[0].pinTries) : null;
    },
    /**
     * A merge of two people (people/erasure.ts merge): every event naming `from` (claimed, decided, rival, asked
     * for a PIN) names `to` instead. Each is a write of the event, so each is a new link of the chain,
     * and the roles changed get a new salt and hash (as a step-up's completion does); labels stay as
     * written (the name at the time). Returns how many events changed.
     */
    async reassignPerson(from: string, to: string): Promise<number> {
      const columns = { claimed: 'claimedPersonId', decided: 'decidedPersonId', rival: 'rivalPersonId', stepUp: 'stepUpPersonId' } as const;
      const rows = await prisma.recognitionEvent.findMany({
        where: { OR: Object.values(columns).map((column) => ({ [column]: from })) },
        select: { id: true, claimedPersonId: true, decidedPersonId: true, rivalPersonId: true, stepUpPersonId: true },
      });
      for (const row of rows) {
        const roles = (Object.keys(columns) as PersonalRole[]).filter((role) => row[columns[role]] === from);
        const data = Object.fromEntries(roles.map((role) => [columns[role], to]));
        // Written first, then read (the SQLite write lock is taken before the chain's last link is read).
        await chain.append(async (tx) => {
          const moved = await tx.recognitionEvent.update({ where: { id: row.id }, data });
          return tx.recognitionEvent.update({ where: { id: row.id }, data: sealPersonal(moved, roles, moved.personalHashes) });
        });
      }
      return rows.length;
    },
    /** Re-publishes an event recorded by another API instance sharing the database. */
    async announce(id: string): Promise<void> {
      const event = await prisma.recognitionEvent.findUnique({ where: { id } });
      if (event) pubSub.publish('recognitionEvent', event);
    },
    list(filter: AuditFilter, offset: number, limit: number) {
      return prisma.recognitionEvent.findMany({
        where: where(filter),
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        skip: offset,
        take: limit,
      });
    },
    count(filter: AuditFilter) {
      return prisma.recognitionEvent.count({ where: where(filter) });
    },
    get(id: string) {
      return prisma.recognitionEvent.findUnique({ where: { id } });
    },
    /** Erases the face images of events older than `days` (the retention setting); returns how many. */
    async purgeImages(days: number, now = new Date()): Promise<number> {
      const before = new Date(now.getTime() - days * 86_400_000);
      const { count } = await prisma.recognitionEvent.updateMany({
        where: { createdAt: { lt: before }, thumbnail: { not: null } },
        data: { thumbnail: null },
      });
      return count;
    },
    /** Attempts per day and decision, days counted in `timeZone` (IANA; the schema passes the server's). */
    async stats(from: Date, to: Date, timeZone = 'UTC') {
      const rows = await prisma.recognitionEvent.findMany({
        where: { createdAt: { gte: from, lt: to } },
        select: { createdAt: true, decision: true },
      });
      // en-CA writes dates as YYYY-MM-DD.
      const dayOf = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
      type Counts = { accepted: number; refused: number; stepUp: number; error: number };
      const days = new Map<string, Counts>();
      const column = { accepted: 'accepted', refused: 'refused', step_up: 'stepUp', error: 'error' } as const;
      for (const row of rows) {
        const day = dayOf.format(row.createdAt);
        const counts = days.get(day) ?? { accepted: 0, refused: 0, stepUp: 0, error: 0 };
        counts[column[row.decision as keyof typeof column] ?? 'error']++;
        days.set(day, counts);
      }
      return [...days].sort(([a], [b]) => a.localeCompare(b)).map(([day, counts]) => ({ day, ...counts }));
    },
    subscribe(filter: AuditFilter) {
      return pubSubFilter(pubSub.subscribe('recognitionEvent'), filter);
    },
  };
}

async function* pubSubFilter(source: AsyncIterable<RecognitionEventRow>, filter: AuditFilter): AsyncGenerator<RecognitionEventRow> {
  for await (const event of source) {
    if (filter.doorId && event.doorId !== filter.doorId) continue;
    if (filter.decision && event.decision !== filter.decision) continue;
    if (filter.personId && event.claimedPersonId !== filter.personId && event.decidedPersonId !== filter.personId) continue;
    yield event;
  }
}

export type AuditService = ReturnType<typeof createAuditService>;
