import { FaceRejectedError } from '../errors.ts';

/** Reads an uploaded file, refusing it unread when over the size limit (FACEGATE_MAX_UPLOAD_BYTES). */
export async function readUpload(file: File, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  if (file.size > maxBytes) {
    throw new FaceRejectedError(
      'IMAGE_TOO_LARGE',
      `${file.name || 'the upload'} is ${file.size} bytes, more than the limit of ${maxBytes}`,
    );
  }
  return new Uint8Array(await file.arrayBuffer());
}
