import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);

/**
 * A gallery folder: `DIR/<name>.<jpg|png|webp>` is one photo of <name>, `DIR/<name>/*` several.
 * Returns name -> photo paths, names sorted.
 */
export async function listGallery(dir: string): Promise<Map<string, string[]>> {
  const gallery = new Map<string, string[]>();
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(full)).isDirectory());
    if (isDir) {
      const photos = (await readdir(full))
        .filter(isImageFile)
        .sort()
        .map((f) => path.join(full, f));
      if (photos.length > 0) gallery.set(entry.name, [...(gallery.get(entry.name) ?? []), ...photos]);
    } else if (isImageFile(entry.name)) {
      const name = path.basename(entry.name, path.extname(entry.name));
      gallery.set(name, [...(gallery.get(name) ?? []), full]);
    }
  }
  return gallery;
}

export function isImageFile(file: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(file).toLowerCase());
}
