'use server';

import { cookies } from 'next/headers';
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

type LoginResult = { login: { __typename: string; data?: { token: string; admin: { email: string; role: string } }; code?: string; message?: string } };

export async function login(_previous: LoginState, form: FormData): Promise<LoginState> {
  const parsed = LoginInput.safeParse({ email: form.get('email'), password: form.get('password') });
  const email = String(form.get('email') ?? '');
  if (!parsed.success) return { error: parsed.error.issues.map((i) => i.message).join(' '), email };
  let token: string;
  try {
    const { login } = await gql<LoginResult>(
      `mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { __typename ... on MutationLoginSuccess { data { token admin { email role } } } ... on Error { code message } } }`,
      parsed.data,
      '',
    );
    if (!login.data) return { error: login.code === 'LOGIN_FAILED' ? 'Wrong email or password.' : (login.message ?? 'Sign-in failed.'), email };
    token = login.data.token;
  } catch (error) {
    return { error: explain(error), email };
  }
  (await cookies()).set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: process.env.FACEGATE_SECURE_COOKIES === '1',
    path: '/',
    maxAge: 12 * 60 * 60,
  });
  redirect('/overview');
}

export async function logout(): Promise<void> {
  (await cookies()).delete(SESSION_COOKIE);
  redirect('/login');
}
