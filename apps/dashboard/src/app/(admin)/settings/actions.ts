'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { explain, gql, isError } from '@/lib/api';
import { requireAdmin } from '@/lib/session';
import { PREVIEW_FIELDS, type PreviewView } from './threshold-preview';

export interface SettingsState {
  ok?: boolean;
  message?: string;
  error?: string;
  secret?: { name: string; token: string };
  /** The threshold change previewed: figures, curves and warnings. */
  preview?: PreviewView;
  /** A large threshold move that was not confirmed: its warnings. */
  needsConfirmation?: string[];
  at?: number;
}

type Union = { __typename: string; code?: string; message?: string; data?: unknown };

/** Runs one admin mutation whose result is a union; errors come back in words. */
async function mutate(
  field: string,
  query: string,
  variables: Record<string, unknown>,
  success: string,
): Promise<SettingsState & { data?: unknown }> {
  const guard = await requireAdmin();
  if (!guard.ok) return { error: guard.error };
  try {
    const result = (await gql<Record<string, Union>>(query, variables))[field]!;
    if (isError(result)) return { error: result.message ?? 'Not saved.' };
    revalidatePath('/settings');
    return { ok: true, message: success, data: result.data, at: Date.now() };
  } catch (error) {
    return { error: explain(error) };
  }
}

const issues = (e: z.ZodError) => e.issues.map((i) => i.message).join(' ');

const SettingsInput = z.object({
  falseAcceptOneIn: z.enum(['1000', '10000', '100000', '1000000'], { error: 'Choose a false-accept target.' }).transform(Number),
  /** Empty: the threshold calibrated for the target. */
  threshold: z
    .string()
    .trim()
    .transform((v) => (v === '' ? null : Number(v)))
    .pipe(
      z
        .number({ error: 'The threshold must be a number.' })
        .min(0.05, 'The threshold must be at least 0.05.')
        .max(1.5, 'The threshold must be at most 1.5.')
        .nullable(),
    ),
  stepUp: z.boolean(),
  rule: z.enum(['NEAREST', 'SOFT_NEAREST', 'CENTROID', 'MEAN_DISTANCE'], { error: 'Choose a matching rule.' }),
  liveness: z.enum(['OFF', 'BALANCED', 'STRICT'], { error: 'Choose a liveness check.' }),
  rateLimitPerMinute: z.coerce
    .number({ error: 'The rate limit must be a number.' })
    .int('The rate limit must be a whole number.')
    .min(1, 'The rate limit must be at least 1 a minute.')
    .max(100_000),
});

function settingsInput(form: FormData) {
  const parsed = SettingsInput.safeParse({
    falseAcceptOneIn: form.get('falseAcceptOneIn'),
    threshold: form.get('threshold') ?? '',
    stepUp: form.get('stepUp') === 'on',
    rule: form.get('rule'),
    liveness: form.get('liveness') ?? 'OFF',
    rateLimitPerMinute: form.get('rateLimitPerMinute'),
  });
  if (!parsed.success) return { error: issues(parsed.error) } as const;
  const { falseAcceptOneIn, threshold, ...rest } = parsed.data;
  return {
    input: { ...rest, falseAcceptRate: 1 / falseAcceptOneIn, ...(threshold === null ? { useCalibratedThreshold: true } : { threshold }) },
  } as const;
}

/** What the change would do on the audit log, before it is saved. */
export async function previewSettings(_s: SettingsState, form: FormData): Promise<SettingsState> {
  const read = settingsInput(form);
  if ('error' in read) return { error: read.error };
  try {
    return { ok: true, preview: await previewOf(read.input), at: Date.now() };
  } catch (error) {
    return { error: explain(error) };
  }
}

async function previewOf(input: Record<string, unknown>): Promise<PreviewView> {
  const { settingsPreview } = await gql<{ settingsPreview: PreviewView }>(
    `query ($input: SettingsInput!) { settingsPreview(input: $input, last: 1000) { ${PREVIEW_FIELDS} } }`,
    { input },
  );
  return settingsPreview;
}

export async function updateSettings(_s: SettingsState, form: FormData): Promise<SettingsState> {
  const read = settingsInput(form);
  if ('error' in read) return { error: read.error };
  const { input } = read;
  // A large threshold move (the API's preview warns) is saved only once the warning was read and confirmed;
  // the API checks again (CONFIRMATION_REQUIRED without confirmLargeChange).
  const confirmLargeChange = form.get('confirmLargeChange') === 'on';
  if (!confirmLargeChange) {
    try {
      const preview = await previewOf(input);
      if (preview.warnings.length > 0)
        return { error: 'Not saved: this change needs a confirmation.', needsConfirmation: preview.warnings, preview, at: Date.now() };
    } catch (error) {
      return { error: explain(error) };
    }
  }
  return mutate(
    'updateSettings',
    `mutation ($input: SettingsInput!, $confirm: Boolean) { updateSettings(input: $input, confirmLargeChange: $confirm) { __typename ... on MutationUpdateSettingsSuccess { data { threshold } } ... on Error { code message } } }`,
    { input, confirm: confirmLargeChange },
    'threshold' in input
      ? `Saved: fixed threshold ${input.threshold}.`
      : `Saved: 1 in ${Math.round(1 / input.falseAcceptRate).toLocaleString('en')} false accepts (calibrated threshold).`,
  );
}

const DoorInput = z.object({
  name: z.string().trim().min(1, 'Give the door a name.').max(100),
  location: z
    .string()
    .trim()
    .max(200)
    .optional()
    .transform((v) => v || undefined),
});

export async function createDoor(_s: SettingsState, form: FormData): Promise<SettingsState> {
  const parsed = DoorInput.safeParse({ name: form.get('name'), location: form.get('location') ?? undefined });
  if (!parsed.success) return { error: issues(parsed.error) };
  return mutate(
    'createDoor',
    `mutation ($name: String!, $location: String) { createDoor(name: $name, location: $location) { __typename ... on MutationCreateDoorSuccess { data { id } } ... on Error { code message } } }`,
    parsed.data,
    `Door “${parsed.data.name}” added.`,
  );
}

const IdInput = z.object({ id: z.string().min(1), label: z.string().default('') });

export async function deleteDoor(_s: SettingsState, form: FormData): Promise<SettingsState> {
  const parsed = IdInput.safeParse({ id: form.get('id'), label: form.get('label') ?? '' });
  if (!parsed.success) return { error: 'No door given.' };
  return mutate(
    'deleteDoor',
    `mutation ($id: ID!) { deleteDoor(id: $id) { __typename ... on Error { code message } } }`,
    { id: parsed.data.id },
    `Door “${parsed.data.label}” deleted; the keys bound to it are revoked.`,
  );
}

const SCOPES = ['VERIFY', 'IDENTIFY', 'PEOPLE_READ', 'AUDIT_READ', 'ADMIN'] as const;
const ApiKeyInput = z.object({
  name: z.string().trim().min(1, 'Give the key a name (say which door or system uses it).').max(100),
  scopes: z.array(z.enum(SCOPES)).min(1, 'Choose at least one scope.'),
  doorId: z
    .string()
    .optional()
    .transform((v) => v || undefined),
});

export async function createApiKey(_s: SettingsState, form: FormData): Promise<SettingsState> {
  const parsed = ApiKeyInput.safeParse({ name: form.get('name'), scopes: form.getAll('scopes'), doorId: form.get('doorId') ?? undefined });
  if (!parsed.success) return { error: issues(parsed.error) };
  const result = await mutate(
    'createApiKey',
    `mutation ($name: String!, $scopes: [Scope!]!, $doorId: ID) { createApiKey(name: $name, scopes: $scopes, doorId: $doorId) { __typename ... on MutationCreateApiKeySuccess { data { token apiKey { id name } } } ... on Error { code message } } }`,
    { name: parsed.data.name, scopes: parsed.data.scopes, doorId: parsed.data.doorId ?? null },
    `Key “${parsed.data.name}” created.`,
  );
  const data = result.data as { token: string; apiKey: { name: string } } | undefined;
  return data
    ? { ok: true, message: result.message, secret: { name: data.apiKey.name, token: data.token }, at: result.at }
    : { error: result.error };
}

export async function revokeApiKey(_s: SettingsState, form: FormData): Promise<SettingsState> {
  const parsed = IdInput.safeParse({ id: form.get('id'), label: form.get('label') ?? '' });
  if (!parsed.success) return { error: 'No key given.' };
  return mutate(
    'revokeApiKey',
    `mutation ($id: ID!) { revokeApiKey(id: $id) { __typename ... on Error { code message } } }`,
    { id: parsed.data.id },
    `Key “${parsed.data.label}” revoked.`,
  );
}

const AdminInput = z.object({
  email: z.string().trim().email('Give a valid email address.'),
  password: z.string().min(10, 'The password needs at least 10 characters.').max(200),
  role: z.enum(['ADMIN', 'VIEWER'], { error: 'Choose a role.' }),
  currentPassword: z.string().min(1, 'Give your own password again.').max(256),
  facesRead: z.boolean(),
});

export async function createAdmin(_s: SettingsState, form: FormData): Promise<SettingsState> {
  const parsed = AdminInput.safeParse({
    email: form.get('email'),
    password: form.get('password'),
    role: form.get('role'),
    currentPassword: form.get('currentPassword'),
    facesRead: form.get('facesRead') === 'on',
  });
  if (!parsed.success) return { error: issues(parsed.error) };
  const viewer = parsed.data.role === 'VIEWER';
  return mutate(
    'createAdmin',
    `mutation ($email: String!, $password: String!, $role: AdminRole!, $currentPassword: String!, $facesRead: Boolean) { createAdmin(email: $email, password: $password, role: $role, currentPassword: $currentPassword, facesRead: $facesRead) { __typename ... on MutationCreateAdminSuccess { data { id } } ... on Error { code message } } }`,
    { ...parsed.data, facesRead: viewer && parsed.data.facesRead },
    `${parsed.data.email} can now sign in as ${viewer ? `a viewer, face images ${parsed.data.facesRead ? 'shown' : 'hidden'}` : 'an administrator'}.`,
  );
}

/** Shows or hides face images to a viewer (faces:read), from their next page on. */
export async function setViewerFacesRead(_s: SettingsState, form: FormData): Promise<SettingsState> {
  const parsed = IdInput.safeParse({ id: form.get('id'), label: form.get('label') ?? '' });
  if (!parsed.success) return { error: 'No account given.' };
  const facesRead = form.get('facesRead') === 'true';
  return mutate(
    'setViewerFacesRead',
    `mutation ($id: ID!, $facesRead: Boolean!) { setViewerFacesRead(id: $id, facesRead: $facesRead) { __typename ... on Error { code message } } }`,
    { id: parsed.data.id, facesRead },
    facesRead ? `${parsed.data.label} now sees face images.` : `Face images are now hidden for ${parsed.data.label}.`,
  );
}

export async function removeAdmin(_s: SettingsState, form: FormData): Promise<SettingsState> {
  const parsed = IdInput.safeParse({ id: form.get('id'), label: form.get('label') ?? '' });
  if (!parsed.success) return { error: 'No account given.' };
  return mutate(
    'removeAdmin',
    `mutation ($id: ID!) { removeAdmin(id: $id) { __typename ... on Error { code message } } }`,
    { id: parsed.data.id },
    `${parsed.data.label} removed.`,
  );
}
