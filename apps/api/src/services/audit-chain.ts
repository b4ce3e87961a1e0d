import { createHash, randomBytes } from 'node:crypto';
import type { Prisma, RecognitionEventModel } from '../db/prisma.ts';

/**
 * The audit log's hash chain. Every write of an attempt (its record, each PIN try of a step-up) appends
 * a link: digest = sha256 of the event's fields as written, hash = sha256 of the previous link's hash,
 * the link's position, the event and the digest. An event edited in place no longer matches its last
 * link's digest; a link edited, inserted or deleted breaks the hashes or the dense sequence; an event
 * deleted leaves links to nothing; an event inserted has no link. `facegate audit verify` walks it all.
 *
 * The fields that name a person are hashed apart, with a random salt, and the chain covers that hash:
 * erasure replaces them with a pseudonym and forgets the salt, so the chain stays valid and the hash
 * left behind cannot be tested against a name. Not covered: the face image (retention erases it, key
 * rotation re-seals it) and the events-out bookkeeping.
 *
 * The chain proves the log was not changed by anyone who did not also recompute every later link: keep
 * the head `facegate audit verify` prints elsewhere (a ticket, a log), and pass it back with --head.
 */

/** The fields naming a person, by role: each role is hashed with its own salt (the order is part of the format). */
const ROLES = {
  claimed: ['claimedPersonId', 'claimedLabel'],
  decided: ['decidedPersonId', 'decidedLabel'],
  rival: ['rivalPersonId', 'rivalLabel'],
  stepUp: ['stepUpPersonId'],
} as const;
export type PersonalRole = keyof typeof ROLES;
const ROLE_NAMES = Object.keys(ROLES) as PersonalRole[];
/** The column holding each role's salt. */
export const SALT_OF = { claimed: 'claimedSalt', decided: 'decidedSalt', rival: 'rivalSalt', stepUp: 'stepUpSalt' } as const;
type PersonalField = (typeof ROLES)[PersonalRole][number];
type Personal = { [K in PersonalField]?: string | null };
type Salts = { [K in (typeof SALT_OF)[PersonalRole]]?: string | null };

/** The fields the chain covers directly (order is part of the format). */
const CHAINED = [
  'id',
  'createdAt',
  'kind',
  'doorId',
  'doorLabel',
  'apiKeyId',
  'adminId',
  'distance',
  'threshold',
  'rivalDistance',
  'frames',
  'framesUsed',
  'model',
  'decision',
  'reason',
  'livenessScore',
  'stepUpReason',
  'pinTries',
  'completedAt',
  'photoFaces',
  'personalHashes',
] as const;

/**
 * Fields added after the format was fixed: covered when set (appended by name), so that the links
 * written before they existed still verify.
 */
const CHAINED_WHEN_SET = ['learntSampleId'] as const;

type Chained = Pick<RecognitionEventModel, (typeof CHAINED)[number]> &
  Partial<Pick<RecognitionEventModel, (typeof CHAINED_WHEN_SET)[number]>>;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const canonical = (value: unknown) => (value instanceof Date ? value.toISOString() : (value ?? null));
/** What an erased person's fields may hold: nothing, or the pseudonym (people/erasure.ts erasedPseudonym). */
const ERASED_LABEL = /^erased-[0-9a-f]{10}$/;
/** The key of the PostgreSQL advisory lock that serialises appends across instances. */
const APPEND_LOCK = 0x66676175; // "fgau"

const roleHash = (salt: string, role: PersonalRole, fields: Personal) =>
  sha256(JSON.stringify([salt, ...ROLES[role].map((k) => fields[k] ?? null)]));

/**
 * The personal columns of an event being written: a new salt and hash for each role in `roles` (all of
 * them for a new event; the decided person for a step-up's completion), the others kept from `previous`.
 */
export function sealPersonal(
  fields: Personal,
  roles: readonly PersonalRole[] = ROLE_NAMES,
  previous: string | null = null,
): Salts & { personalHashes: string } {
  const hashes = { ...(previous ? (JSON.parse(previous) as Record<PersonalRole, string>) : {}) };
  const salts: Salts = {};
  for (const role of previous ? roles : ROLE_NAMES) {
    const salt = randomBytes(16).toString('hex');
    salts[SALT_OF[role]] = salt;
    hashes[role] = roleHash(salt, role, fields);
  }
  return { ...salts, personalHashes: JSON.stringify(Object.fromEntries(ROLE_NAMES.map((role) => [role, hashes[role] ?? null]))) };
}

export function eventDigest(event: Chained): string {
  const later = CHAINED_WHEN_SET.filter((k) => event[k] !== null && event[k] !== undefined).map((k) => [k, canonical(event[k])]);
  return sha256(JSON.stringify([...CHAINED.map((k) => canonical(event[k])), ...later]));
}

export function linkHash(previous: string, seq: number, eventId: string, digest: string): string {
  return sha256(JSON.stringify([previous, seq, eventId, digest]));
}

export type Tx = Parameters<Parameters<Prisma['$transaction']>[0]>[0];

/**
 * Runs `write` (which creates or updates one event and returns it, or null for no change) and appends
 * the event's link, in one transaction: an event is never written without its link. On PostgreSQL
 * an advisory lock serialises appends between instances; on SQLite the database's write lock does
 * (`write` must write before it reads, so the transaction takes that lock first and reads the last
 * link after it). seq is the primary key, so a fork is refused by the database whatever happens; it
 * is retried.
 */
export function createAuditChain(prisma: Prisma, provider: 'sqlite' | 'postgresql') {
  async function append<T extends RecognitionEventModel | null>(write: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await prisma.$transaction(
          async (tx) => {
            if (provider === 'postgresql') await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${APPEND_LOCK})`);
            const event = await write(tx);
            if (!event) return event;
            const last = await tx.auditLink.findFirst({ orderBy: { seq: 'desc' }, select: { seq: true, hash: true } });
            const seq = (last?.seq ?? 0) + 1;
            const digest = eventDigest(event);
            await tx.auditLink.create({
              data: { seq, eventId: event.id, digest, hash: linkHash(last?.hash ?? '', seq, event.id, digest) },
            });
            return event;
          },
          { maxWait: 15_000, timeout: 15_000 },
        );
      } catch (error) {
        // Another process took the same seq (SQLite across processes): take the next one. Or SQLite
        // refused the write lock at once (another process's transaction holds it): wait, then retry.
        const code = (error as { code?: string }).code;
        const busy =
          code === 'P2034' || /SQLITE_BUSY|database is locked|Operation has timed out/.test(error instanceof Error ? error.message : '');
        if ((code === 'P2002' || busy) && attempt < 20) {
          if (busy) await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
          continue;
        }
        throw error;
      }
    }
  }
  return { append };
}

export type AuditChain = ReturnType<typeof createAuditChain>;

export interface ChainReport {
  readonly ok: boolean;
  readonly links: number;
  readonly events: number;
  /** Events whose personal fields were erased (their salt forgotten): their other fields are still checked. */
  readonly erased: number;
  /** Events written before the chain existed (this version's migration): not covered. */
  readonly beforeChain: number;
  readonly head: { seq: number; hash: string } | null;
  /** The first problem, by position in the chain (an event without a link comes after every link). */
  readonly broken: { seq: number | null; eventId: string | null; problem: string } | null;
}

const BATCH = 2_000;

/** Each role's fields against its hash; an erased role (salt forgotten) may only hold its pseudonym. */
function checkPersonal(event: Omit<RecognitionEventModel, 'thumbnail'>): { erased: boolean; problem: string | null } {
  let hashes: Partial<Record<PersonalRole, string | null>>;
  try {
    hashes = JSON.parse(event.personalHashes ?? 'null') ?? {};
  } catch {
    return { erased: false, problem: 'its personal hashes are not readable' };
  }
  let erased = false;
  for (const role of ROLE_NAMES) {
    const salt = event[SALT_OF[role]];
    if (salt !== null) {
      if (hashes[role] !== roleHash(salt, role, event)) return { erased, problem: `who it names as ${role} was changed` };
      continue;
    }
    erased = true;
    const named = ROLES[role].filter((k) => event[k] !== null && !(k.endsWith('Label') && ERASED_LABEL.test(event[k]!)));
    if (named.length > 0) return { erased, problem: `${named.join(', ')} names someone although ${role} was erased` };
  }
  return { erased, problem: null };
}

/** Checks the whole chain against the events (read-only). */
export async function verifyAuditChain(prisma: Prisma, options: { head?: { seq: number; hash: string } } = {}): Promise<ChainReport> {
  const problems: { seq: number | null; eventId: string | null; problem: string }[] = [];
  // The last link of each event: its digest must match the event as it is now.
  const lastLink = new Map<string, { seq: number; digest: string }>();
  let previous = '';
  let expected = 1;
  let links = 0;
  let head: { seq: number; hash: string } | null = null;
  let firstEventAt: Date | null = null;
  let headSeen = !options.head;
  for (let cursor = 0; ;) {
    const batch = await prisma.auditLink.findMany({ where: { seq: { gt: cursor } }, orderBy: { seq: 'asc' }, take: BATCH });
    if (batch.length === 0) break;
    for (const link of batch) {
      if (link.seq !== expected)
        problems.push({
          seq: expected,
          eventId: null,
          problem: `link ${expected}${link.seq > expected + 1 ? `-${link.seq - 1}` : ''} is missing (deleted)`,
        });
      else if (link.hash !== linkHash(previous, link.seq, link.eventId, link.digest))
        problems.push({
          seq: link.seq,
          eventId: link.eventId,
          problem: `link ${link.seq} does not follow from the one before (edited or inserted)`,
        });
      if (options.head && link.seq === options.head.seq) {
        headSeen = true;
        if (link.hash !== options.head.hash)
          problems.push({
            seq: link.seq,
            eventId: link.eventId,
            problem: `link ${link.seq} is not the head given (the chain was rewritten)`,
          });
      }
      previous = link.hash;
      expected = link.seq + 1;
      lastLink.set(link.eventId, { seq: link.seq, digest: link.digest });
      head = { seq: link.seq, hash: link.hash };
      links++;
    }
    cursor = batch[batch.length - 1]!.seq;
  }
  if (!headSeen)
    problems.push({
      seq: options.head!.seq,
      eventId: null,
      problem: `the chain no longer reaches the head given (link ${options.head!.seq}: truncated)`,
    });

  let events = 0;
  let erased = 0;
  let beforeChain = 0;
  const unlinked: Omit<RecognitionEventModel, 'thumbnail'>[] = [];
  for (let cursor: string | null = null; ;) {
    // Without the face images: not chained, and the bulk of a row.
    const batch: Omit<RecognitionEventModel, 'thumbnail'>[] = await prisma.recognitionEvent.findMany({
      omit: { thumbnail: true },
      orderBy: { id: 'asc' },
      take: BATCH,
      ...(cursor ? { skip: 1, cursor: { id: cursor } } : {}),
    });
    if (batch.length === 0) break;
    for (const event of batch) {
      events++;
      const link = lastLink.get(event.id);
      lastLink.delete(event.id);
      if (!link) {
        unlinked.push(event);
        continue;
      }
      const personal = checkPersonal(event);
      if (personal.erased) erased++;
      if (personal.problem)
        problems.push({ seq: link.seq, eventId: event.id, problem: `event ${event.id} (link ${link.seq}): ${personal.problem}` });
      // A step-up's PIN try is reserved (its count raised) before the PIN is checked, and linked when it
      // is answered: a pending step-up one try ahead of its last link is a try in flight (or one whose
      // answer a crash cut off), not an edit.
      const tryInFlight =
        event.decision === 'step_up' &&
        event.completedAt === null &&
        event.pinTries > 0 &&
        eventDigest({ ...event, pinTries: event.pinTries - 1 }) === link.digest;
      if (eventDigest(event) !== link.digest && !tryInFlight)
        problems.push({
          seq: link.seq,
          eventId: event.id,
          problem: `event ${event.id} (link ${link.seq}) was changed after it was written`,
        });
      if (!firstEventAt || event.createdAt < firstEventAt) firstEventAt = event.createdAt;
    }
    cursor = batch[batch.length - 1]!.id;
  }
  for (const [eventId, link] of lastLink)
    problems.push({ seq: link.seq, eventId, problem: `event ${eventId} (link ${link.seq}) is missing (deleted)` });
  for (const event of unlinked) {
    // Rows from before this version had no chain to join; anything later without a link was slipped in.
    if (event.personalHashes === null && (!firstEventAt || event.createdAt <= firstEventAt)) beforeChain++;
    else problems.push({ seq: null, eventId: event.id, problem: `event ${event.id} is not in the chain (inserted)` });
  }
  problems.sort((a, b) => (a.seq ?? Infinity) - (b.seq ?? Infinity));
  return { ok: problems.length === 0, links, events, erased, beforeChain, head, broken: problems[0] ?? null };
}
