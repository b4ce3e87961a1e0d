import { createFaceEngine, type FaceEngine } from '../engine.ts';
import { load as loadHead, withHead } from '../learning/head.ts';

/** The face engine; with `head`, every encoding goes through that learned head (facegate train). */
export async function withEngine<T>(fn: (engine: FaceEngine) => Promise<T>, head?: string): Promise<T> {
  const base = await createFaceEngine();
  const engine = head
    ? withHead(base, await loadHead({ file: head }).catch((error: unknown) => (base.dispose(), Promise.reject(error))))
    : base;
  try {
    return await fn(engine);
  } finally {
    engine.dispose();
  }
}
