import { z } from 'zod';

export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;

/** The fields of a person, from a form: blanks become undefined (the API clears card and notes on ''). */
export const PersonFields = z.object({
  name: z.string().trim().min(1, 'Give a name.').max(120, 'The name is too long (120 characters at most).'),
  cardId: z
    .string()
    .trim()
    .max(64, 'The card id is too long (64 characters at most).')
    .optional()
    .transform((v) => v || undefined),
  notes: z
    .string()
    .trim()
    .max(2000, 'The notes are too long.')
    .optional()
    .transform((v) => v || undefined),
  active: z.boolean().optional(),
});

/** The photos of a form field: at least one, each an image under the size limit. */
export function photosFrom(
  form: FormData,
  field: string,
  { max = 20 } = {},
): { success: true; data: File[] } | { success: false; error: string } {
  const files = form.getAll(field).filter((v): v is File => typeof v === 'object' && v !== null && 'size' in v && v.size > 0);
  if (files.length === 0) return { success: false, error: 'Choose at least one photo, or take one with the webcam.' };
  if (files.length > max) return { success: false, error: `At most ${max} photos at a time.` };
  for (const f of files) {
    if (f.size > MAX_PHOTO_BYTES)
      return { success: false, error: `${f.name} is ${(f.size / 1048576).toFixed(1)} MB; photos must be under 10 MB.` };
    if (f.type && !f.type.startsWith('image/') && f.type !== 'application/octet-stream')
      return { success: false, error: `${f.name} is not a JPEG, PNG or WebP photo.` };
  }
  return { success: true, data: files };
}
