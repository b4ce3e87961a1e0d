import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** One photo of a presentation-attack set: `live/*` bona fide, `spoof/*` attacks. */
export interface PadSample {
  /** Path relative to the set's folder, e.g. `spoof/msu001_02.jpg`. */
  readonly file: string;
  readonly path: string;
  readonly live: boolean;
  /** The person shown; null when the set has no labels.csv (no subject-disjoint protocol is then possible). */
  readonly subject: string | null;
  readonly source: string;
  /** `none` for live faces; print, replay-ipad, ... from labels.csv, else `unknown`. */
  readonly attack: string;
}

const PHOTO = /\.(jpe?g|png|webp)$/i;

function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

/**
 * The photos of a folder holding `live/` and `spoof/`, labelled from its `labels.csv` when there is one
 * (columns file, label, subject, source, attack; extra columns ignored). Photos missing from labels.csv
 * are an error, so that a half-labelled set cannot silently skew per-source figures.
 */
export async function readPadDir(dir: string): Promise<PadSample[]> {
  const files: { file: string; live: boolean }[] = [];
  for (const [folder, live] of [
    ['live', true],
    ['spoof', false],
  ] as const) {
    const full = path.join(dir, folder);
    if (!existsSync(full)) throw new Error(`${dir} has no ${folder}/ folder (expected live/ and spoof/)`);
    for (const name of (await readdir(full)).filter((n) => PHOTO.test(n)).sort()) files.push({ file: `${folder}/${name}`, live });
  }
  if (files.length === 0) throw new Error(`no photos in ${dir}/live or ${dir}/spoof`);
  const labelsFile = path.join(dir, 'labels.csv');
  const labels = new Map<string, Record<string, string>>();
  if (existsSync(labelsFile)) {
    const [header, ...lines] = (await readFile(labelsFile, 'utf8')).split(/\r?\n/).filter((l) => l.trim() !== '');
    const columns = parseCsvLine(header ?? '');
    for (const required of ['file', 'subject'])
      if (!columns.includes(required)) throw new Error(`${labelsFile} has no "${required}" column`);
    for (const line of lines) {
      const cells = parseCsvLine(line);
      const row = Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? '']));
      labels.set(row.file!, row);
    }
  }
  return files.map(({ file, live }) => {
    const row = labels.get(file);
    if (labels.size > 0 && !row) throw new Error(`${file} is not in ${labelsFile}`);
    if (row?.label && row.label !== (live ? 'live' : 'spoof'))
      throw new Error(`${file} is labelled ${row.label} in labels.csv but lies in ${live ? 'live' : 'spoof'}/`);
    return {
      file,
      path: path.join(dir, file),
      live,
      subject: row?.subject || null,
      source: row?.source || 'unknown',
      attack: live ? 'none' : row?.attack || 'unknown',
    };
  });
}
