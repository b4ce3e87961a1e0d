import {
  checkPeople,
  ImportRefusedError,
  peopleFromPaths,
  readPeopleArchive,
  refuseLargeArchive,
  type ImportLimits,
} from '@facegate/people-archive';

// The archive rules are the API's own (@facegate/people-archive), applied here first so that a bad
// archive or folder is refused before any upload; the API checks every request again.
export { ImportRefusedError, type ImportLimits };

export type PeopleFiles = Map<string, File[]>;

const mimeType = (path: string) =>
  path.toLowerCase().endsWith('.png') ? 'image/png' : path.toLowerCase().endsWith('.webp') ? 'image/webp' : 'image/jpeg';

/** A zip, checked from its central directory before a byte is decompressed, then read. */
export async function peopleFromZip(zip: File, limits: ImportLimits): Promise<{ people: PeopleFiles; skipped: string[] }> {
  refuseLargeArchive(zip.size, limits);
  const { people, skipped } = readPeopleArchive(new Uint8Array(await zip.arrayBuffer()), limits);
  return {
    people: new Map(
      [...people].map(([n, photos]) => [n, photos.map((p) => new File([p.bytes], p.filename, { type: mimeType(p.filename) }))]),
    ),
    skipped,
  };
}

/** A folder chosen with webkitdirectory: each file's path inside it (webkitRelativePath). */
export function peopleFromFolder(files: readonly File[], limits: ImportLimits): { people: PeopleFiles; skipped: string[] } {
  if (files.length > limits.maxEntries)
    throw new ImportRefusedError('TOO_MANY_ENTRIES', `the folder has ${files.length} files, more than ${limits.maxEntries}`);
  const byPath = new Map(files.map((f) => [(f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name, f]));
  const { people, skipped } = peopleFromPaths([...byPath.keys()]);
  checkPeople(new Map([...people].map(([n, ps]) => [n, ps.map((path) => ({ path, size: byPath.get(path)!.size }))])), limits, false);
  return { people: new Map([...people].map(([n, ps]) => [n, ps.map((p) => byPath.get(p)!)])), skipped };
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
