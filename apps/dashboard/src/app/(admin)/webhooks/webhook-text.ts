// What the webhook pages say about a webhook, usable on the server and in the browser alike (a
// function exported from a 'use client' module cannot be called by a server component).

import type { Decision, WebhookRowFragment } from '@/generated/graphql';

/** A webhook as its pages list it (lib/fragments.ts). */
export type WebhookRow = WebhookRowFragment;

export const DECISIONS: readonly (readonly [Decision, string])[] = [
  ['ACCEPTED', 'accepted'],
  ['REFUSED', 'refused'],
  ['STEP_UP', 'asked for a PIN'],
  ['ERROR', 'errors'],
];

/** What a webhook is sent, in words: "refused attempts at Front door". */
export function filterText(w: WebhookRow, doors: readonly { id: string; name: string }[]): string {
  const decisions =
    w.decisions.length === 0
      ? 'every attempt'
      : `${w.decisions.map((d) => DECISIONS.find(([v]) => v === d)?.[1] ?? d.toLowerCase()).join(', ')} attempts`;
  const where =
    w.doorIds.length === 0
      ? 'at every door'
      : `at ${w.doorIds.map((id) => doors.find((d) => d.id === id)?.name ?? 'a deleted door').join(', ')}`;
  return `${decisions} ${where}`;
}
