'use server';

import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { explain, gql, SESSION_COOKIE } from '@/lib/api';

const LoginInput = z.object({
  email: z.string().trim().email('Enter the email address of your account.'),
  password: z.string().min(1, 'Enter your password.'),
});

export interface LoginState {
  error?: string;
  email?: string;
}

type LoginResult = { login: { __typename: string; data?: { token: string; admin: { email: string; role: string } }; code?: string; message?: string; retryAfterSeconds?: number } };

/**
 * The visitor's address for the API's per-address sign-in throttling and security log: the nearest
 * entry of X-Forwarded-For (Next.js sets it to the socket's peer unless a proxy in front set it).
 */
async function forwardedFor(): Promise<Record<string, string>> {
  const forwarded = (await headers()).get('x-forwarded-for')?.split(',').pop()?.trim();
  return forwarded ? { 'x-forwarded-for': forwarded.slice(0, 64) } : {};
}

/** Secure cookies when the dashboard is served over HTTPS (FACEGATE_SECURE_COOKIES=1 forces, =0 never). */
async function secureCookies(): Promise<boolean> {
  const forced = process.env.FACEGATE_SECURE_COOKIES;
  if (forced === '1' || forced === '0') return forced === '1';
  return (await headers()).get('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
}

export async function login(_previous: LoginState, form: FormData): Promise<LoginState> {
  const parsed = LoginInput.safeParse({ email: form.get('email'), password: form.get('password') });
  const email = String(form.get('email') ?? '');
  if (!parsed.success) return { error: parsed.error.issues.map((i) => i.message).join(' '), email };
  let token: string;
  try {
    const { login } = await gql<LoginResult>(
      `mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { __typename ... on MutationLoginSuccess { data { token admin { email role } } } ... on Error { code message } ... on RateLimitedError { retryAfterSeconds } } }`,
      parsed.data,
      '',
      await forwardedFor(),
    );
    if (!login.data) {
      if (login.code === 'LOGIN_FAILED') return { error: 'Wrong email or password.', email };
      if (login.code === 'RATE_LIMITED') return { error: `Too many failed sign-ins. Try again in ${Math.ceil((login.retryAfterSeconds ?? 60) / 60)} minute(s).`, email };
      return { error: login.message ?? 'Sign-in failed.', email };
    }
    token = login.data.token;
  } catch (error) {
    return { error: explain(error), email };
  }
  (await cookies()).set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: await secureCookies(),
    path: '/',
    maxAge: 12 * 60 * 60,
  });
  redirect('/overview');
}

export async function logout(): Promise<void> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  if (token) {
    // Ends the session in the API too: a copied cookie is of no use after signing out.
    await gql('mutation { signOut { __typename } }', {}, token).catch(() => undefined);
  }
  (await cookies()).delete(SESSION_COOKIE);
  redirect('/login');
}
