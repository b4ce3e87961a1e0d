import type { RecognitionResultFieldsFragment } from '@/generated/graphql';

/**
 * What the verify and identify consoles show of one attempt (lib/fragments.ts's RecognitionResultFields),
 * with its thresholds: the API hides them without audit:read, which every administrator has.
 */
export type RecognitionView = RecognitionResultFieldsFragment & { threshold: number; stepUpThreshold: number };

/** The result as the consoles show it, or null when the session may not read thresholds. */
export function recognitionView(result: RecognitionResultFieldsFragment): RecognitionView | null {
  const { threshold, stepUpThreshold } = result;
  return threshold == null || stepUpThreshold == null ? null : { ...result, threshold, stepUpThreshold };
}

export const NO_THRESHOLDS = 'This session may not read thresholds (audit:read): sign in as an administrator.';

/** Reasons the access policy gives after the face matched: the door stays shut for the rules, not the face. */
export const POLICY_REASONS = new Set([
  'inactive',
  'not_allowed_here',
  'outside_schedule',
  'pass_expired',
  'pass_not_yet_valid',
  'pass_revoked',
  'too_few_frames',
]);

export interface ConsoleState {
  error?: string;
  result?: RecognitionView;
  /** The photo sent, as an object URL of the browser (the boxes are drawn over it). */
  photoUrl?: string;
  at?: number;
}
