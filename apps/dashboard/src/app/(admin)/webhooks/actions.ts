'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { graphql } from '@/generated';
import { explain, isError, request, type SuccessData, type TypedDocument } from '@/lib/api';
import { requireAdmin } from '@/lib/session';

export interface WebhookState {
  ok?: boolean;
  message?: string;
  error?: string;
  /** The signing secret of a webhook just created: shown this once. */
  secret?: { name: string; secret: string };
  at?: number;
}

const CreateWebhookDocument = graphql(`
  mutation CreateWebhook($input: WebhookInput!) {
    createWebhook(input: $input) {
      __typename
      ... on MutationCreateWebhookSuccess {
        data {
          secret
          webhook {
            id
            name
          }
        }
      }
      ...MutationError
    }
  }
`);

const DeleteWebhookDocument = graphql(`
  mutation DeleteWebhook($id: ID!) {
    deleteWebhook(id: $id) {
      __typename
      ...MutationError
    }
  }
`);

const UpdateWebhookDocument = graphql(`
  mutation UpdateWebhook($id: ID!, $input: WebhookInput!) {
    updateWebhook(id: $id, input: $input) {
      __typename
      ...MutationError
    }
  }
`);

const TestWebhookDocument = graphql(`
  mutation TestWebhook($id: ID!) {
    testWebhook(id: $id) {
      __typename
      ...MutationError
    }
  }
`);

const ReplayDeliveryDocument = graphql(`
  mutation ReplayDelivery($id: ID!) {
    replayWebhookDelivery(id: $id) {
      __typename
      ...MutationError
    }
  }
`);

/** One admin mutation (one field) whose result is a union; the API's own validation comes back in words. */
async function mutate<TResult extends Record<string, { __typename: string }>, TVariables>(
  document: TypedDocument<TResult, TVariables>,
  variables: TVariables,
  success: string,
): Promise<WebhookState & { data?: SuccessData<TResult[keyof TResult]> }> {
  const guard = await requireAdmin();
  if (!guard.ok) return { error: guard.error };
  try {
    const result = Object.values(await request(document, variables))[0]!;
    if (isError(result)) return { error: result.message };
    revalidatePath('/webhooks', 'layout');
    return { ok: true, message: success, data: 'data' in result ? result.data : undefined, at: Date.now() };
  } catch (error) {
    return { error: explain(error) };
  }
}

const issues = (e: z.ZodError) => e.issues.map((i) => i.message).join(' ');
const id = z.string().trim().min(1).max(64);
const DECISIONS = ['ACCEPTED', 'REFUSED', 'STEP_UP', 'ERROR'] as const;

const WebhookInput = z.object({
  name: z.string().trim().min(1, 'Give the webhook a name.').max(200),
  // The API checks it too (http or https, no credentials); this says so before the round trip.
  url: z
    .string()
    .trim()
    .max(2000, 'The URL is longer than 2,000 characters.')
    .refine((v) => /^https?:\/\/[^\s/]+/i.test(v), 'The URL starts with https:// (or http://) and a host.'),
  decisions: z.array(z.enum(DECISIONS)).max(4),
  doorIds: z.array(id).max(100),
});

export async function createWebhook(_s: WebhookState, form: FormData): Promise<WebhookState> {
  const parsed = WebhookInput.safeParse({
    name: form.get('name'),
    url: form.get('url'),
    decisions: form.getAll('decisions'),
    doorIds: form.getAll('doorIds'),
  });
  if (!parsed.success) return { error: issues(parsed.error) };
  const result = await mutate(CreateWebhookDocument, { input: { ...parsed.data, active: true } }, `Webhook “${parsed.data.name}” created.`);
  const data = result.data;
  return data
    ? { ok: true, message: result.message, secret: { name: data.webhook.name, secret: data.secret }, at: result.at }
    : { error: result.error };
}

const Named = z.object({ id, label: z.string().max(300) });
const named = (form: FormData) => Named.safeParse({ id: form.get('id'), label: form.get('label') ?? '' });

export async function deleteWebhook(_s: WebhookState, form: FormData): Promise<WebhookState> {
  const parsed = named(form);
  if (!parsed.success) return { error: 'No webhook given.' };
  return mutate(DeleteWebhookDocument, { id: parsed.data.id }, `Webhook “${parsed.data.label}” deleted, with its delivery log.`);
}

export async function setWebhookActive(_s: WebhookState, form: FormData): Promise<WebhookState> {
  const parsed = Named.extend({ active: z.enum(['true', 'false']) }).safeParse({
    id: form.get('id'),
    label: form.get('label') ?? '',
    active: form.get('active'),
  });
  if (!parsed.success) return { error: 'No webhook given.' };
  const active = parsed.data.active === 'true';
  return mutate(
    UpdateWebhookDocument,
    { id: parsed.data.id, input: { active } },
    active
      ? `Webhook “${parsed.data.label}” resumed: waiting deliveries go out now.`
      : `Webhook “${parsed.data.label}” paused: new attempts wait until it is resumed.`,
  );
}

export async function testWebhook(_s: WebhookState, form: FormData): Promise<WebhookState> {
  const parsed = named(form);
  if (!parsed.success) return { error: 'No webhook given.' };
  return mutate(
    TestWebhookDocument,
    { id: parsed.data.id },
    `A signed test message is on its way to “${parsed.data.label}”: refresh the log to see how it went.`,
  );
}

export async function replayDelivery(_s: WebhookState, form: FormData): Promise<WebhookState> {
  const parsed = z.object({ id }).safeParse({ id: form.get('id') });
  if (!parsed.success) return { error: 'No delivery given.' };
  return mutate(
    ReplayDeliveryDocument,
    parsed.data,
    'Sent again as a new delivery (same body and message id): it is at the top of the log.',
  );
}
