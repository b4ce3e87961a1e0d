import type { Decision } from './types';

/** What the verify and identify consoles show of one attempt. */
export interface RecognitionView {
  decision: Decision;
  reason: string;
  distance: number | null;
  threshold: number;
  person: { id: string; name: string; thumbnail: string | null } | null;
  candidates: { distance: number; person: { id: string; name: string; thumbnail: string | null } | null }[];
  event: { id: string; thumbnail: string | null };
}

export const RESULT_FIELDS = `decision reason distance threshold person { id name thumbnail } candidates { distance person { id name thumbnail } } event { id thumbnail }`;

export interface ConsoleState {
  error?: string;
  result?: RecognitionView;
  at?: number;
}
