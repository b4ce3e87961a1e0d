import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the shared photo sets live: `$FACES_DIR`, else `../shared/faces` beside the repository.
 * They are research data and are never copied into the repository.
 */
export function facesDir(): string {
  if (process.env.FACES_DIR) return path.resolve(process.env.FACES_DIR);
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  return path.resolve(repoRoot, '..', 'shared', 'faces');
}

export function hasFaces(subdir: string): boolean {
  return existsSync(path.join(facesDir(), subdir));
}
