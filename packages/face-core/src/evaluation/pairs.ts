import path from 'node:path';

export interface LabeledPair {
  readonly a: string;
  readonly b: string;
  readonly same: boolean;
}

export interface PairList {
  /** '10-fold' for View 2's pairs.txt (first line "10 300"), 'single' for a View 1 list. */
  readonly protocol: '10-fold' | 'single';
  /** One fold for 'single'; ten for '10-fold'. */
  readonly folds: readonly (readonly LabeledPair[])[];
}

/** LFW's image path: `<name>/<name>_<n as 4 digits>.jpg` under `imagesDir`. */
export function lfwImagePath(imagesDir: string, name: string, n: string): string {
  return path.join(imagesDir, name, `${name}_${n.padStart(4, '0')}.jpg`);
}

/**
 * Parses an LFW pair list: `name n1 n2` is a same-person pair, `name1 n1 name2 n2` a different-person
 * pair (tab separated). The first line is a count (View 1) or "folds pairsPerClassPerFold" (View 2).
 */
export function parsePairList(text: string, imagesDir: string): PairList {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines.shift()?.trim().split(/\s+/).map(Number) ?? [];
  const pairs = lines.map((line, i): LabeledPair => {
    const f = line.trim().split(/\s+/);
    if (f.length === 3) return { a: lfwImagePath(imagesDir, f[0]!, f[1]!), b: lfwImagePath(imagesDir, f[0]!, f[2]!), same: true };
    if (f.length === 4) return { a: lfwImagePath(imagesDir, f[0]!, f[1]!), b: lfwImagePath(imagesDir, f[2]!, f[3]!), same: false };
    throw new SyntaxError(`pair list line ${i + 2}: expected 3 or 4 fields, got ${f.length}`);
  });
  if (header.length === 2 && header.every(Number.isInteger)) {
    const [folds, perClass] = header as [number, number];
    const size = 2 * perClass;
    if (pairs.length !== folds * size)
      throw new SyntaxError(`header promises ${folds} folds of ${size} pairs, found ${pairs.length} pairs`);
    return { protocol: '10-fold', folds: Array.from({ length: folds }, (_, k) => pairs.slice(k * size, (k + 1) * size)) };
  }
  if (header.length === 1 && Number.isInteger(header[0]) && pairs.length !== 2 * header[0]!) {
    throw new SyntaxError(`header promises ${header[0]} pairs per class, found ${pairs.length} pairs`);
  }
  return { protocol: 'single', folds: [pairs] };
}
