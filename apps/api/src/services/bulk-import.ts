import type { ArchivePhoto } from '@facegate/people-archive';
import type { PeopleService, RejectedPhoto } from './people/index.ts';

export interface ImportedPerson {
  readonly name: string;
  readonly personId: string | null;
  readonly created: boolean;
  readonly enrolled: number;
  readonly photos: number;
  readonly rejected: readonly RejectedPhoto[];
}

/**
 * Photos of two people a bulk import may have on the face engine at once. The pool queues at most 64
 * photos per worker (pool.ts) and one person may bring 50 (importLimits): with the next person started
 * early only while both hold no more than this, a 1-worker pool keeps half its queue for the doors.
 */
const PHOTOS_AHEAD = 32;

/**
 * The bulk import, for the command line (`facegate db import`) and the API alike: people one after
 * another (the duplicate check of each needs the ones before it in the gallery), each through
 * `people.importPerson` (one transaction per person: a person is imported whole or not at all), with
 * the face engine one person ahead.
 */
export async function importPeople(
  people: PeopleService,
  gallery: ReadonlyMap<string, readonly ArchivePhoto[]> | Iterable<readonly [string, () => Promise<ArchivePhoto[]>]>,
  options: {
    allowDuplicates?: boolean;
    allowDuplicatesFor?: ReadonlySet<string>;
    onPerson?: (result: ImportedPerson) => void | Promise<void>;
  } = {},
): Promise<ImportedPerson[]> {
  const results: ImportedPerson[] = [];
  const entries = [...gallery];
  const load = async ([name, source]: (typeof entries)[number]) => ({
    name,
    photos: typeof source === 'function' ? await source() : source,
  });
  const analyse = (photos: readonly ArchivePhoto[]) => {
    const recognized = people.recognize(photos);
    // Awaited later, maybe after it failed: not an unhandled rejection meanwhile.
    recognized.catch(() => {});
    return recognized;
  };
  let current = entries.length > 0 ? await load(entries[0]!) : null;
  let recognized = current ? analyse(current.photos) : null;
  for (let i = 0; current && recognized; i++) {
    // The next person's photos go to the engine while this one is checked and written, so the workers
    // do not wait for the database (nor for a person's last photo); the gates and the duplicate check
    // still see everyone imported before. Only while the two hold no more than PHOTOS_AHEAD photos:
    // otherwise this person's are analysed first.
    let upcoming: Awaited<ReturnType<typeof load>> | null = null;
    let unreadable: { error: unknown } | null = null;
    try {
      upcoming = i + 1 < entries.length ? await load(entries[i + 1]!) : null;
    } catch (error) {
      // Thrown once this person is written, as when people were read one after another.
      unreadable = { error };
    }
    let upcomingRecognized: ReturnType<typeof analyse> | null = null;
    if (upcoming) {
      if (current.photos.length + upcoming.photos.length > PHOTOS_AHEAD) await recognized.catch(() => {});
      upcomingRecognized = analyse(upcoming.photos);
    }
    const allowDuplicates = (options.allowDuplicates ?? false) || (options.allowDuplicatesFor?.has(current.name) ?? false);
    const result = await people.importPerson(current.name, current.photos, { allowDuplicates, recognized });
    const imported = { name: current.name, ...result, photos: current.photos.length };
    results.push(imported);
    await options.onPerson?.(imported);
    if (unreadable) throw unreadable.error;
    current = upcoming;
    recognized = upcomingRecognized;
  }
  return results;
}
