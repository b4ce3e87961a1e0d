import { unzipSync } from 'fflate';
import { ApiError } from '../errors.ts';
import type { PeopleService, RejectedPhoto } from './people.ts';

/** A refused archive or folder (nothing of it was enrolled): INVALID_ARCHIVE, TOO_MANY_ENTRIES, TOO_LARGE, UNSAFE_PATH, TOO_MANY_PHOTOS. */
export class ImportRefusedError extends ApiError {
  constructor(code: 'INVALID_ARCHIVE' | 'TOO_MANY_ENTRIES' | 'TOO_LARGE' | 'UNSAFE_PATH' | 'TOO_MANY_PHOTOS', message: string) {
    super(code, message);
  }
}

export interface ImportLimits {
  /** The archive as uploaded. */
  readonly maxArchiveBytes: number;
  /** Files and folders in it (a zip of a million empty entries costs a million allocations). */
  readonly maxEntries: number;
  /** All photos once decompressed (a zip bomb is a few kB that inflate to gigabytes). */
  readonly maxTotalBytes: number;
  /** One photo, as for any upload. */
  readonly maxPhotoBytes: number;
  /** One person's photos in one request (the per-person import the dashboard sends). */
  readonly maxPhotosPerPerson: number;
}

/** The bounds, from the upload limit: the request body may be 20 photos' worth, an archive as much. */
export function importLimits(maxUploadBytes: number): ImportLimits {
  return { maxArchiveBytes: 20 * maxUploadBytes, maxEntries: 2000, maxTotalBytes: 20 * maxUploadBytes, maxPhotoBytes: maxUploadBytes, maxPhotosPerPerson: 50 };
}

export const PHOTO_EXTENSIONS = /\.(jpe?g|png|webp)$/i;

export interface ArchivePhoto {
  readonly filename: string;
  readonly bytes: Uint8Array;
}

/** Folders that archivers add and nobody means to import (macOS resource forks, hidden files). */
const IGNORED = (path: string) => path.startsWith('__MACOSX/') || path.split('/').some((part) => part.startsWith('.'));

/**
 * A path inside an archive, checked: relative, no `..`, no backslash, no drive, no control character.
 * Such names write outside the target folder when an archive is extracted ("zip slip"); nothing here
 * extracts to disk, but a name that tries it says the archive is not what it claims to be.
 */
export function safeEntryPath(name: string): string {
  // eslint-disable-next-line no-control-regex
  if (name.length === 0 || name.length > 500 || /[\u0000-\u001f\\]/.test(name) || name.startsWith('/') || /^[a-zA-Z]:/.test(name)) {
    throw new ImportRefusedError('UNSAFE_PATH', `unsafe file name in the archive: ${JSON.stringify(name.slice(0, 120))}`);
  }
  const parts = name.split('/').filter((p, i, all) => p !== '' || i === all.length - 1);
  if (parts.some((p) => p === '..' || p === '.')) throw new ImportRefusedError('UNSAFE_PATH', `unsafe file name in the archive: ${JSON.stringify(name.slice(0, 120))}`);
  return parts.join('/');
}

/**
 * People from photo paths, as `facegate db import` reads a folder: `<name>/<photo>` (several photos
 * of <name>) or `<name>.jpg` (one), under one optional top folder (zipping a folder adds it).
 * Returns name -> paths; other files are listed as skipped.
 */
export function peopleFromPaths(paths: readonly string[]): { people: Map<string, string[]>; skipped: string[] } {
  const photos = paths.filter((p) => PHOTO_EXTENSIONS.test(p) && !IGNORED(p));
  const skipped = paths.filter((p) => !p.endsWith('/') && !photos.includes(p));
  const tops = new Set(photos.map((p) => p.split('/')[0]));
  const wrapped = tops.size === 1 && photos.every((p) => p.split('/').length >= 2) && photos.some((p) => p.split('/').length === 3);
  const people = new Map<string, string[]>();
  for (const path of photos) {
    const parts = wrapped ? path.split('/').slice(1) : path.split('/');
    const name = parts.length === 1 ? parts[0]!.replace(PHOTO_EXTENSIONS, '') : parts.length === 2 ? parts[0]! : null;
    if (!name?.trim()) {
      skipped.push(path);
      continue;
    }
    people.set(name.trim(), [...(people.get(name.trim()) ?? []), path]);
  }
  return { people, skipped };
}

/**
 * Reads a zip of people, checking every bound before a byte is decompressed: entries, each photo's
 * size, the total, and every name (a refused archive enrols nothing). Sizes come from the central
 * directory; an entry whose header understates its size is cut at the size it declares, so memory
 * stays within the bound whatever the archive claims.
 */
export function readPeopleArchive(archive: Uint8Array, limits: ImportLimits): { people: Map<string, ArchivePhoto[]>; skipped: string[] } {
  if (archive.length > limits.maxArchiveBytes) throw new ImportRefusedError('TOO_LARGE', `the archive is ${archive.length} bytes, more than ${limits.maxArchiveBytes}`);
  const entries: { name: string; size: number }[] = [];
  try {
    // A first pass over the central directory only: the filter decompresses nothing.
    unzipSync(archive, {
      filter: (file) => {
        entries.push({ name: file.name, size: file.originalSize });
        if (entries.length > limits.maxEntries) throw new ImportRefusedError('TOO_MANY_ENTRIES', `the archive has more than ${limits.maxEntries} files and folders`);
        return false;
      },
    });
  } catch (error) {
    if (error instanceof ImportRefusedError) throw error;
    throw new ImportRefusedError('INVALID_ARCHIVE', `not a zip archive that can be read (${error instanceof Error ? error.message : 'unreadable'})`);
  }
  const paths = entries.map((e) => safeEntryPath(e.name));
  const { people, skipped } = peopleFromPaths(paths);
  const wanted = new Set([...people.values()].flat());
  let total = 0;
  entries.forEach((e, i) => {
    if (!wanted.has(paths[i]!)) return;
    if (e.size > limits.maxPhotoBytes) throw new ImportRefusedError('TOO_LARGE', `${paths[i]} is ${e.size} bytes once decompressed, more than a photo's limit of ${limits.maxPhotoBytes}`);
    total += e.size;
  });
  if (total > limits.maxTotalBytes) throw new ImportRefusedError('TOO_LARGE', `the photos are ${total} bytes once decompressed, more than the limit of ${limits.maxTotalBytes}`);
  for (const [name, photos] of people) {
    if (photos.length > limits.maxPhotosPerPerson) throw new ImportRefusedError('TOO_MANY_PHOTOS', `${name} has ${photos.length} photos, more than ${limits.maxPhotosPerPerson}`);
  }
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(archive, { filter: (file) => wanted.has(safeEntryPath(file.name)) });
  } catch (error) {
    throw new ImportRefusedError('INVALID_ARCHIVE', `the archive is damaged (${error instanceof Error ? error.message : 'unreadable'})`);
  }
  const byPath = new Map(Object.entries(files).map(([name, bytes]) => [safeEntryPath(name), bytes]));
  return {
    people: new Map([...people].map(([name, photoPaths]) => [name, photoPaths.map((p) => ({ filename: p, bytes: byPath.get(p) ?? new Uint8Array() }))])),
    skipped,
  };
}

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
  options: { allowDuplicates?: boolean; allowDuplicatesFor?: ReadonlySet<string>; onPerson?: (result: ImportedPerson) => void | Promise<void> } = {},
): Promise<ImportedPerson[]> {
  const results: ImportedPerson[] = [];
  const entries = [...gallery];
  const load = async ([name, source]: (typeof entries)[number]) => ({ name, photos: typeof source === 'function' ? await source() : source });
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
