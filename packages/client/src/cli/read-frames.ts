import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { MAX_FRAMES } from '../door-client.ts';

const IMAGE = /\.(jpe?g|png|webp)$/i;

/** A photo, or the first MAX_FRAMES photos of a folder (by name) as one burst. */
export async function readFrames(target: string): Promise<File[]> {
  const info = await stat(target);
  const files = info.isDirectory()
    ? (await readdir(target))
        .filter((name) => IMAGE.test(name))
        .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
        .slice(0, MAX_FRAMES)
        .map((name) => path.join(target, name))
    : [target];
  if (files.length === 0) throw new Error(`no .jpg, .png or .webp frames in ${target}`);
  return Promise.all(files.map(async (file) => new File([new Uint8Array(await readFile(file))], path.basename(file))));
}
