// String "enums": stored as plain text (portable between SQLite and PostgreSQL, no ALTER TYPE to add a
// value), typed here. Writers should use these types; readers should not assume an unknown value is impossible.

export const ADMIN_ROLES = ['admin', 'viewer'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

export const RECOGNITION_KINDS = ['verify', 'identify'] as const;
export type RecognitionKind = (typeof RECOGNITION_KINDS)[number];

export const RECOGNITION_DECISIONS = ['accepted', 'refused', 'step_up', 'error'] as const;
export type RecognitionDecision = (typeof RECOGNITION_DECISIONS)[number];

export const RECOGNITION_REASONS = [
  'match',
  'no_match',
  'not_in_database',
  'not_enrolled',
  'inactive',
  'ambiguous',
  'presentation_attack',
  'borderline',
  'face_too_small',
  'too_blurry',
  'pose',
  'too_dark',
  'too_bright',
  'no_face',
  'multiple_faces',
  'invalid_image',
  'unknown_person',
  'inactive_person',
  'no_samples',
  'revoked_key',
  'rate_limited',
  'internal_error',
] as const;
export type RecognitionReason = (typeof RECOGNITION_REASONS)[number];

export function isOneOf<const T extends readonly string[]>(values: T, value: string): value is T[number] {
  return values.includes(value);
}
