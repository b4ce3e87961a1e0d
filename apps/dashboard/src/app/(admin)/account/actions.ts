'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { explain, gql, isError } from '@/lib/api';
import { requireAdmin } from '@/lib/session';

export interface AccountState {
  error?: string;
  message?: string;
  /** An enrolment waiting for the app's first code. */
  enrolment?: { secret: string; uri: string };
  /** Shown once, after an enrolment. */
  recoveryCodes?: string[];
}

type Union = { __typename: string; code?: string; message?: string; data?: unknown };

const PasswordInput = z.object({ currentPassword: z.string().min(1, 'Give your password again.').max(256) });
const CodeInput = z.object({
  code: z
    .string()
    .trim()
    .regex(/^\d{3}\s?\d{3}$/, 'Enter the 6-digit code the app shows.'),
});
const RequireInput = z.object({ on: z.enum(['true', 'false']).transform((v) => v === 'true') });
const issues = (e: z.ZodError) => e.issues.map((i) => i.message).join(' ');

async function run(field: string, query: string, variables: Record<string, unknown>): Promise<{ data?: unknown; error?: string }> {
  try {
    const result = (await gql<Record<string, Union | boolean>>(query, variables))[field]!;
    if (typeof result !== 'boolean' && isError(result)) return { error: result.message ?? 'Not saved.' };
    revalidatePath('/account');
    return { data: typeof result === 'boolean' ? result : result.data };
  } catch (error) {
    return { error: explain(error) };
  }
}

export async function startEnrolment(_s: AccountState, form: FormData): Promise<AccountState> {
  const parsed = PasswordInput.safeParse({ currentPassword: form.get('currentPassword') });
  if (!parsed.success) return { error: issues(parsed.error) };
  const r = await run(
    'startTotpEnrolment',
    `mutation ($p: String!) { startTotpEnrolment(currentPassword: $p) { __typename ... on MutationStartTotpEnrolmentSuccess { data { secret uri } } ... on Error { code message } } }`,
    { p: parsed.data.currentPassword },
  );
  return r.error ? { error: r.error } : { enrolment: r.data as AccountState['enrolment'] };
}

export async function confirmEnrolment(previous: AccountState, form: FormData): Promise<AccountState> {
  const parsed = CodeInput.safeParse({ code: form.get('code') });
  if (!parsed.success) return { ...previous, error: issues(parsed.error) };
  const r = await run(
    'confirmTotpEnrolment',
    `mutation ($code: String!) { confirmTotpEnrolment(code: $code) { __typename ... on MutationConfirmTotpEnrolmentSuccess { data { recoveryCodes } } ... on Error { code message } } }`,
    { code: parsed.data.code },
  );
  if (r.error) return { ...previous, error: r.error };
  return {
    recoveryCodes: (r.data as { recoveryCodes: string[] }).recoveryCodes,
    message: 'Your authenticator app is enrolled: sign-ins ask for its code.',
  };
}

export async function disableTotp(_s: AccountState, form: FormData): Promise<AccountState> {
  const parsed = PasswordInput.safeParse({ currentPassword: form.get('currentPassword') });
  if (!parsed.success) return { error: issues(parsed.error) };
  const r = await run(
    'disableTotp',
    `mutation ($p: String!) { disableTotp(currentPassword: $p) { __typename ... on Error { code message } } }`,
    { p: parsed.data.currentPassword },
  );
  return r.error ? { error: r.error } : { message: 'Two-step sign-in is off; your recovery codes are deleted.' };
}

export async function requireSecondFactor(_s: AccountState, form: FormData): Promise<AccountState> {
  const guard = await requireAdmin();
  if (!guard.ok) return { error: guard.error };
  const parsed = RequireInput.safeParse({ on: form.get('on') });
  if (!parsed.success) return { error: 'Nothing to change.' };
  const r = await run(
    'updateSettings',
    `mutation ($on: Boolean!) { updateSettings(input: { requireSecondFactor: $on }) { __typename ... on Error { code message } } }`,
    { on: parsed.data.on },
  );
  return r.error
    ? { error: r.error }
    : { message: parsed.data.on ? 'Every administrator now signs in with a second factor.' : 'A second factor is no longer required.' };
}

const PasskeyStart = z.object({
  name: z.string().trim().min(1, 'Name the passkey, e.g. the device it lives on.').max(64, 'At most 64 characters.'),
  currentPassword: z.string().min(1, 'Give your password again.').max(256),
});
const PasskeyFinish = z.object({ name: PasskeyStart.shape.name, response: z.string().min(2).max(16_000) });
const PasskeyRemove = z.object({ id: z.string().min(1).max(64), currentPassword: PasskeyStart.shape.currentPassword });

/** A passkey's registration, first half: the password again, then the options for the browser's WebAuthn call. */
export async function startPasskeyRegistration(input: {
  name: string;
  currentPassword: string;
}): Promise<{ options?: string; error?: string }> {
  const parsed = PasskeyStart.safeParse(input);
  if (!parsed.success) return { error: issues(parsed.error) };
  const r = await run(
    'startPasskeyRegistration',
    `mutation ($p: String!) { startPasskeyRegistration(currentPassword: $p) { __typename ... on MutationStartPasskeyRegistrationSuccess { data { optionsJson } } ... on Error { code message } } }`,
    { p: parsed.data.currentPassword },
  );
  return r.error ? { error: r.error } : { options: (r.data as { optionsJson: string }).optionsJson };
}

/** Second half: the credential the browser created, stored under its name. */
export async function finishPasskeyRegistration(input: { name: string; response: string }): Promise<AccountState> {
  const parsed = PasskeyFinish.safeParse(input);
  if (!parsed.success) return { error: issues(parsed.error) };
  const r = await run(
    'finishPasskeyRegistration',
    `mutation ($n: String!, $r: String!) { finishPasskeyRegistration(name: $n, response: $r) { __typename ... on MutationFinishPasskeyRegistrationSuccess { data { id } } ... on Error { code message } } }`,
    { n: parsed.data.name, r: parsed.data.response },
  );
  return r.error ? { error: r.error } : { message: `Passkey “${parsed.data.name}” added: sign-ins can use it after the password.` };
}

export async function removePasskey(_s: AccountState, form: FormData): Promise<AccountState> {
  const parsed = PasskeyRemove.safeParse({ id: form.get('id'), currentPassword: form.get('currentPassword') });
  if (!parsed.success) return { error: issues(parsed.error) };
  const r = await run(
    'removePasskey',
    `mutation ($id: ID!, $p: String!) { removePasskey(id: $id, currentPassword: $p) { __typename ... on Error { code message } } }`,
    { id: parsed.data.id, p: parsed.data.currentPassword },
  );
  return r.error ? { error: r.error } : { message: 'Passkey removed.' };
}
