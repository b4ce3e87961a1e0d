import { unzipSync } from 'fflate';

/** The API's bounds (importLimits), applied here first so that a bad archive is refused before any upload. */
export interface ImportLimits {
  maxArchiveBytes: number;
  maxEntries: number;
  maxTotalBytes: number;
  maxPhotoBytes: number;
  maxPhotosPerPerson: number;
}

export type PeopleFiles = Map<string, File[]>;

const PHOTO = /\.(jpe?g|png|webp)$/i;

/** Why an archive or folder is refused, in the API's codes (ImportRefusedError). */
export class ImportRefused extends Error {
  constructor(
    readonly code: 'INVALID_ARCHIVE' | 'TOO_MANY_ENTRIES' | 'TOO_LARGE' | 'UNSAFE_PATH' | 'TOO_MANY_PHOTOS',
    message: string,
  ) {
    super(message);
  }
}

function safePath(name: string): string {
  // eslint-disable-next-line no-control-regex
  const bad = name.length === 0 || name.length > 500 || /[\u0000-\u001f\\]/.test(name) || name.startsWith('/') || /^[a-zA-Z]:/.test(name) || name.split('/').some((p) => p === '..' || p === '.');
  if (bad) throw new ImportRefused('UNSAFE_PATH', `unsafe file name in the archive: ${JSON.stringify(name.slice(0, 120))}`);
  return name;
}

/**
 * People from paths, as the API and `facegate db import` read them: `<name>/<photo>` or `<name>.jpg`,
 * under one optional top folder; hidden files and macOS's __MACOSX are left out. Same rule as
 * apps/api/src/services/bulk-import.ts (peopleFromPaths), which checks every request again.
 */
export function groupPaths(paths: readonly string[]): { people: Map<string, string[]>; skipped: string[] } {
  const ignored = (p: string) => p.startsWith('__MACOSX/') || p.split('/').some((part) => part.startsWith('.'));
  const photos = paths.filter((p) => PHOTO.test(p) && !ignored(p));
  const skipped = paths.filter((p) => !p.endsWith('/') && !photos.includes(p));
  const tops = new Set(photos.map((p) => p.split('/')[0]));
  const wrapped = tops.size === 1 && photos.every((p) => p.split('/').length >= 2) && photos.some((p) => p.split('/').length === 3);
  const people = new Map<string, string[]>();
  for (const path of photos) {
    const parts = wrapped ? path.split('/').slice(1) : path.split('/');
    const name = (parts.length === 1 ? parts[0]!.replace(PHOTO, '') : parts.length === 2 ? parts[0]! : '').trim();
    if (!name) {
      skipped.push(path);
      continue;
    }
    people.set(name, [...(people.get(name) ?? []), path]);
  }
  return { people, skipped };
}

function checkPeople(people: Map<string, { size: number }[]>, limits: ImportLimits) {
  let total = 0;
  for (const [name, photos] of people) {
    if (photos.length > limits.maxPhotosPerPerson) throw new ImportRefused('TOO_MANY_PHOTOS', `${name} has ${photos.length} photos, more than ${limits.maxPhotosPerPerson}`);
    for (const p of photos) {
      if (p.size > limits.maxPhotoBytes) throw new ImportRefused('TOO_LARGE', `a photo of ${name} is ${p.size} bytes, more than ${limits.maxPhotoBytes}`);
      total += p.size;
    }
  }
  if (total > limits.maxTotalBytes) throw new ImportRefused('TOO_LARGE', `the photos are ${total} bytes in all, more than ${limits.maxTotalBytes}`);
}

/** A zip, checked from its central directory before a byte is decompressed, then read. */
export async function peopleFromZip(zip: File, limits: ImportLimits): Promise<{ people: PeopleFiles; skipped: string[] }> {
  if (zip.size > limits.maxArchiveBytes) throw new ImportRefused('TOO_LARGE', `the archive is ${zip.size} bytes, more than ${limits.maxArchiveBytes}`);
  const bytes = new Uint8Array(await zip.arrayBuffer());
  const entries: { name: string; size: number }[] = [];
  try {
    unzipSync(bytes, {
      filter: (f) => {
        entries.push({ name: f.name, size: f.originalSize });
        if (entries.length > limits.maxEntries) throw new ImportRefused('TOO_MANY_ENTRIES', `the archive has more than ${limits.maxEntries} files and folders`);
        return false;
      },
    });
  } catch (error) {
    if (error instanceof ImportRefused) throw error;
    throw new ImportRefused('INVALID_ARCHIVE', 'this file is not a zip archive that can be read');
  }
  const sizes = new Map(entries.map((e) => [safePath(e.name), e.size]));
  const { people, skipped } = groupPaths([...sizes.keys()]);
  checkPeople(new Map([...people].map(([n, ps]) => [n, ps.map((p) => ({ size: sizes.get(p) ?? 0 }))])), limits);
  const wanted = new Set([...people.values()].flat());
  const files = unzipSync(bytes, { filter: (f) => wanted.has(f.name) });
  return {
    people: new Map([...people].map(([n, ps]) => [n, ps.map((p) => new File([files[p] ?? new Uint8Array()], p, { type: p.toLowerCase().endsWith('.png') ? 'image/png' : p.toLowerCase().endsWith('.webp') ? 'image/webp' : 'image/jpeg' }))])),
    skipped,
  };
}

/** A folder chosen with webkitdirectory: each file's path inside it (webkitRelativePath). */
export function peopleFromFolder(files: readonly File[], limits: ImportLimits): { people: PeopleFiles; skipped: string[] } {
  if (files.length > limits.maxEntries) throw new ImportRefused('TOO_MANY_ENTRIES', `the folder has ${files.length} files, more than ${limits.maxEntries}`);
  const byPath = new Map(files.map((f) => [(f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name, f]));
  const { people, skipped } = groupPaths([...byPath.keys()]);
  const result: PeopleFiles = new Map([...people].map(([n, ps]) => [n, ps.map((p) => byPath.get(p)!)]));
  checkPeople(result, limits);
  return { people: result, skipped };
}

/** A person's photos in requests of at most `maxBytes` (the dashboard's upload limit per request). */
export function batches(photos: readonly File[], maxBytes: number): File[][] {
  const out: File[][] = [];
  let current: File[] = [];
  let size = 0;
  for (const photo of photos) {
    if (current.length && size + photo.size > maxBytes) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(photo);
    size += photo.size;
  }
  if (current.length) out.push(current);
  return out;
}
