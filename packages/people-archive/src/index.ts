// People from an archive or a folder of `<name>/<photo>`: the one reader of the API's bulk import and
// the dashboard's check before upload (which the API repeats). Browser-safe: fflate only.
import { unzipSync } from 'fflate';

export type ImportRefusedCode = 'INVALID_ARCHIVE' | 'TOO_MANY_ENTRIES' | 'TOO_LARGE' | 'UNSAFE_PATH' | 'TOO_MANY_PHOTOS';

/** A refused archive or folder (nothing of it was enrolled): INVALID_ARCHIVE, TOO_MANY_ENTRIES, TOO_LARGE, UNSAFE_PATH, TOO_MANY_PHOTOS. */
export class ImportRefusedError extends Error {
  constructor(
    readonly code: ImportRefusedCode,
    message: string,
  ) {
    super(message);
    this.name = 'ImportRefusedError';
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
  return {
    maxArchiveBytes: 20 * maxUploadBytes,
    maxEntries: 2000,
    maxTotalBytes: 20 * maxUploadBytes,
    maxPhotoBytes: maxUploadBytes,
    maxPhotosPerPerson: 50,
  };
}

export const PHOTO_EXTENSIONS = /\.(jpe?g|png|webp)$/i;

export interface ArchivePhoto {
  readonly filename: string;
  readonly bytes: Uint8Array<ArrayBuffer>;
}

/** Folders that archivers add and nobody means to import (macOS resource forks, hidden files). */
const IGNORED = (path: string) => path.startsWith('__MACOSX/') || path.split('/').some((part) => part.startsWith('.'));

/**
 * A path inside an archive, checked: relative, no `..`, no backslash, no drive, no control character.
 * Such names write outside the target folder when an archive is extracted ("zip slip"); nothing here
 * extracts to disk, but a name that tries it says the archive is not what it claims to be.
 */
export function safeEntryPath(name: string): string {
  const parts = name.split('/').filter((p, i, all) => p !== '' || i === all.length - 1);
  if (
    name.length === 0 ||
    name.length > 500 ||
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\\]/.test(name) ||
    name.startsWith('/') ||
    /^[a-zA-Z]:/.test(name) ||
    parts.some((p) => p === '..' || p === '.')
  ) {
    throw new ImportRefusedError('UNSAFE_PATH', `unsafe file name in the archive: ${JSON.stringify(name.slice(0, 120))}`);
  }
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

/** Refuses an archive over the size limit (before it is read, where its size is known first). */
export function refuseLargeArchive(size: number, limits: ImportLimits): void {
  if (size > limits.maxArchiveBytes)
    throw new ImportRefusedError('TOO_LARGE', `the archive is ${size} bytes, more than ${limits.maxArchiveBytes}`);
}

/**
 * Checks people's photos against the bounds: each photo's size, the total, the photos of each person.
 * `inflated`: the sizes are of photos once decompressed from an archive (said so in the message).
 */
export function checkPeople(
  people: ReadonlyMap<string, readonly { path: string; size: number }[]>,
  limits: ImportLimits,
  inflated: boolean,
): void {
  const decompressed = inflated ? ' once decompressed' : '';
  let total = 0;
  for (const { path, size } of [...people.values()].flat()) {
    if (size > limits.maxPhotoBytes)
      throw new ImportRefusedError(
        'TOO_LARGE',
        `${path} is ${size} bytes${decompressed}, more than a photo's limit of ${limits.maxPhotoBytes}`,
      );
    total += size;
  }
  if (total > limits.maxTotalBytes)
    throw new ImportRefusedError(
      'TOO_LARGE',
      `the photos are ${total} bytes${decompressed}, more than the limit of ${limits.maxTotalBytes}`,
    );
  for (const [name, photos] of people) {
    if (photos.length > limits.maxPhotosPerPerson)
      throw new ImportRefusedError('TOO_MANY_PHOTOS', `${name} has ${photos.length} photos, more than ${limits.maxPhotosPerPerson}`);
  }
}

/**
 * Reads a zip of people, checking every bound before a byte is decompressed: entries, each photo's
 * size, the total, and every name (a refused archive enrols nothing). Sizes come from the central
 * directory; an entry whose header understates its size is cut at the size it declares, so memory
 * stays within the bound whatever the archive claims.
 */
export function readPeopleArchive(archive: Uint8Array, limits: ImportLimits): { people: Map<string, ArchivePhoto[]>; skipped: string[] } {
  refuseLargeArchive(archive.length, limits);
  const entries: { name: string; size: number }[] = [];
  try {
    // A first pass over the central directory only: the filter decompresses nothing.
    unzipSync(archive, {
      filter: (file) => {
        entries.push({ name: file.name, size: file.originalSize });
        if (entries.length > limits.maxEntries)
          throw new ImportRefusedError('TOO_MANY_ENTRIES', `the archive has more than ${limits.maxEntries} files and folders`);
        return false;
      },
    });
  } catch (error) {
    if (error instanceof ImportRefusedError) throw error;
    throw new ImportRefusedError(
      'INVALID_ARCHIVE',
      `not a zip archive that can be read (${error instanceof Error ? error.message : 'unreadable'})`,
    );
  }
  const paths = entries.map((e) => safeEntryPath(e.name));
  const sizes = new Map(paths.map((path, i) => [path, entries[i]!.size]));
  const { people, skipped } = peopleFromPaths(paths);
  checkPeople(
    new Map([...people].map(([name, paths]) => [name, paths.map((path) => ({ path, size: sizes.get(path) ?? 0 }))])),
    limits,
    true,
  );
  const wanted = new Set([...people.values()].flat());
  let files: Record<string, Uint8Array<ArrayBuffer>>;
  try {
    files = unzipSync(archive, { filter: (file) => wanted.has(safeEntryPath(file.name)) });
  } catch (error) {
    throw new ImportRefusedError('INVALID_ARCHIVE', `the archive is damaged (${error instanceof Error ? error.message : 'unreadable'})`);
  }
  const byPath = new Map(Object.entries(files).map(([name, bytes]) => [safeEntryPath(name), bytes]));
  return {
    people: new Map(
      [...people].map(([name, photoPaths]) => [name, photoPaths.map((p) => ({ filename: p, bytes: byPath.get(p) ?? new Uint8Array() }))]),
    ),
    skipped,
  };
}
