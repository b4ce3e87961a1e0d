import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

// The weights of the face detector the webcam preview runs in the browser (face-api's tiny face
// detector, 190 kB), served from the npm package as installed: nothing copied into the repository.
const FILES: Record<string, string> = {
  'tiny_face_detector_model-weights_manifest.json': 'application/json',
  'tiny_face_detector_model.bin': 'application/octet-stream',
};

/** The package's model folder: node_modules of the dashboard or of a folder above it (npm workspaces hoist). */
function modelDir(): string | null {
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', '@vladmandic', 'face-api', 'model');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

export async function GET(_request: Request, { params }: { params: Promise<{ file: string }> }) {
  const { file } = await params;
  const type = FILES[file];
  const dir = modelDir();
  if (!type || !dir) return new Response('Not found.', { status: 404, headers: { 'content-type': 'text/plain' } });
  return new Response(new Uint8Array(await readFile(path.join(dir, file))), {
    headers: { 'content-type': type, 'cache-control': 'public, max-age=86400' },
  });
}
