'use server';

import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { explain, forwardedFor, gql, SESSION_COOKIE } from '@/lib/api';

const LoginInput = z.object({
  email: z.string().trim().email('Enter the email address of your account.'),
  password: z.string().min(1, 'Enter your password.'),
});

export interface LoginState {
  error?: string;
  email?: string;
  /** The password was right: the next step asks for a code ('code'), or enrols an app first ('enrol'). */
  step?: 'code' | 'enrol';
  /** For 'code': the account has a passkey, offered before the code. */
  passkey?: boolean;
  /** For 'enrol': what the authenticator app is given. */
  enrolment?: { secret: string; uri: string };
  /** Shown once after an enrolment at sign-in, before going on. */
  recoveryCodes?: string[];
}

type LoginResult = {
  login: {
    __typename: string;
    data?: { token: string; admin: { email: string; role: string } };
    code?: string;
    message?: string;
    retryAfterSeconds?: number;
    challenge?: string;
    enrolmentRequired?: boolean;
    passkeyAvailable?: boolean;
  };
};

/** The sign-in's challenge between its two steps: an httpOnly cookie, never in the page. */
const CHALLENGE_COOKIE = 'facegate_challenge';
const PENDING_SESSION_COOKIE = 'facegate_pending_session';
const CodeInput = z.object({ code: z.string().trim().min(6, 'Enter the 6-digit code of your app, or a recovery code.').max(40) });

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
      `mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { __typename ... on MutationLoginSuccess { data { token admin { email role } } } ... on Error { code message } ... on RateLimitedError { retryAfterSeconds } ... on SecondFactorRequiredError { challenge enrolmentRequired passkeyAvailable } } }`,
      parsed.data,
      '',
      forwardedFor(await headers()),
    );
    if (!login.data) {
      if (login.code === 'SECOND_FACTOR_REQUIRED' && login.challenge)
        return secondStep(login.challenge, login.enrolmentRequired === true, email, login.passkeyAvailable === true);
      if (login.code === 'LOGIN_FAILED') return { error: 'Wrong email or password.', email };
      if (login.code === 'RATE_LIMITED')
        return { error: `Too many failed sign-ins. Try again in ${Math.ceil((login.retryAfterSeconds ?? 60) / 60)} minute(s).`, email };
      return { error: login.message ?? 'Sign-in failed.', email };
    }
    token = login.data.token;
  } catch (error) {
    return { error: explain(error), email };
  }
  await startSession(token);
  redirect('/overview');
}

async function startSession(token: string): Promise<void> {
  (await cookies()).set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: await secureCookies(),
    path: '/',
    maxAge: 12 * 60 * 60,
  });
}

/** Keeps the challenge for the code step; an enrolment gets its secret now. */
async function secondStep(challenge: string, enrol: boolean, email: string, passkey: boolean): Promise<LoginState> {
  (await cookies()).set(CHALLENGE_COOKIE, challenge, {
    httpOnly: true,
    sameSite: 'strict',
    secure: await secureCookies(),
    path: '/login',
    maxAge: 5 * 60,
  });
  if (!enrol) return { step: 'code', email, passkey };
  const { startTotpEnrolment: r } = await gql<{
    startTotpEnrolment: { __typename: string; data?: { secret: string; uri: string }; message?: string };
  }>(
    `mutation ($c: String!) { startTotpEnrolment(challenge: $c) { __typename ... on MutationStartTotpEnrolmentSuccess { data { secret uri } } ... on Error { code message } } }`,
    { c: challenge },
    '',
    forwardedFor(await headers()),
  );
  return r.data ? { step: 'enrol', enrolment: r.data, email } : { error: r.message ?? 'Enrolment failed.', email };
}

/** The second step: a code (or a recovery code) for the challenge; or, for an enrolment, the app's first code. */
export async function submitCode(previous: LoginState, form: FormData): Promise<LoginState> {
  const parsed = CodeInput.safeParse({ code: form.get('code') });
  if (!parsed.success) return { ...previous, error: parsed.error.issues.map((i) => i.message).join(' ') };
  const challenge = (await cookies()).get(CHALLENGE_COOKIE)?.value;
  if (!challenge) return { error: 'This sign-in has expired. Sign in again.', email: previous.email };
  type Answer = { __typename: string; code?: string; message?: string; retryAfterSeconds?: number };
  let answer: Answer & { data?: { token?: string; recoveryCodes?: string[]; session?: { token: string } | null } };
  try {
    if (previous.step === 'enrol') {
      ({ confirmTotpEnrolment: answer } = await gql<{ confirmTotpEnrolment: typeof answer }>(
        `mutation ($code: String!, $c: String!) { confirmTotpEnrolment(code: $code, challenge: $c) { __typename ... on MutationConfirmTotpEnrolmentSuccess { data { recoveryCodes session { token } } } ... on Error { code message } ... on RateLimitedError { retryAfterSeconds } } }`,
        { code: parsed.data.code, c: challenge },
        '',
        forwardedFor(await headers()),
      ));
    } else {
      ({ loginSecondFactor: answer } = await gql<{ loginSecondFactor: typeof answer }>(
        `mutation ($code: String!, $c: String!) { loginSecondFactor(code: $code, challenge: $c) { __typename ... on MutationLoginSecondFactorSuccess { data { token } } ... on Error { code message } ... on RateLimitedError { retryAfterSeconds } } }`,
        { code: parsed.data.code, c: challenge },
        '',
        forwardedFor(await headers()),
      ));
    }
  } catch (error) {
    return { ...previous, error: explain(error) };
  }
  const token = answer.data?.token ?? answer.data?.session?.token;
  if (!token) {
    if (answer.code === 'RATE_LIMITED')
      return {
        error: `Too many failed sign-ins. Try again in ${Math.ceil((answer.retryAfterSeconds ?? 60) / 60)} minute(s).`,
        email: previous.email,
      };
    return {
      ...previous,
      error:
        answer.code === 'LOGIN_FAILED'
          ? (answer.message ?? 'Wrong code.').replace(/^./, (c) => c.toUpperCase())
          : (answer.message ?? 'Sign-in failed.'),
    };
  }
  (await cookies()).delete({ name: CHALLENGE_COOKIE, path: '/login' });
  // After an enrolment the recovery codes are shown once, before going on: the session waits in a
  // cookie of the sign-in page (a session cookie now would send this page on to the overview).
  if (answer.data?.recoveryCodes) {
    (await cookies()).set(PENDING_SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: await secureCookies(),
      path: '/login',
      maxAge: 10 * 60,
    });
    return { recoveryCodes: answer.data.recoveryCodes };
  }
  await startSession(token);
  redirect('/overview');
}

const PasskeyAnswer = z.object({ response: z.string().min(2).max(16_000) });
type Refusal = { __typename: string; code?: string; message?: string; retryAfterSeconds?: number };
const refusalText = (r: Refusal) =>
  r.code === 'RATE_LIMITED'
    ? `Too many failed sign-ins. Try again in ${Math.ceil((r.retryAfterSeconds ?? 60) / 60)} minute(s).`
    : (r.message ?? 'Sign-in failed.').replace(/^./, (c) => c.toUpperCase());

/** The passkey step, first half: the options for the browser's WebAuthn call, for this sign-in's challenge. */
export async function passkeySignInOptions(): Promise<{ options?: string; error?: string }> {
  const challenge = (await cookies()).get(CHALLENGE_COOKIE)?.value;
  if (!challenge) return { error: 'This sign-in has expired. Sign in again.' };
  try {
    const { startPasskeySignIn: r } = await gql<{ startPasskeySignIn: Refusal & { data?: { optionsJson: string } } }>(
      `mutation ($c: String!) { startPasskeySignIn(challenge: $c) { __typename ... on MutationStartPasskeySignInSuccess { data { optionsJson } } ... on Error { code message } } }`,
      { c: challenge },
      '',
      forwardedFor(await headers()),
    );
    return r.data ? { options: r.data.optionsJson } : { error: refusalText(r) };
  } catch (error) {
    return { error: explain(error) };
  }
}

/** Second half: the authenticator's answer completes the sign-in. */
export async function submitPasskey(input: { response: string }): Promise<{ error?: string }> {
  const parsed = PasskeyAnswer.safeParse(input);
  if (!parsed.success) return { error: 'The browser gave no passkey answer.' };
  const challenge = (await cookies()).get(CHALLENGE_COOKIE)?.value;
  if (!challenge) return { error: 'This sign-in has expired. Sign in again.' };
  let token: string;
  try {
    const { loginPasskey: r } = await gql<{ loginPasskey: Refusal & { data?: { token: string } } }>(
      `mutation ($c: String!, $r: String!) { loginPasskey(challenge: $c, response: $r) { __typename ... on MutationLoginPasskeySuccess { data { token } } ... on Error { code message } ... on RateLimitedError { retryAfterSeconds } } }`,
      { c: challenge, r: parsed.data.response },
      '',
      forwardedFor(await headers()),
    );
    if (!r.data) return { error: refusalText(r) };
    token = r.data.token;
  } catch (error) {
    return { error: explain(error) };
  }
  (await cookies()).delete({ name: CHALLENGE_COOKIE, path: '/login' });
  await startSession(token);
  redirect('/overview');
}

/** "Continue" after the recovery codes: the waiting session becomes the dashboard's. */
export async function finishSignIn(): Promise<void> {
  const token = (await cookies()).get(PENDING_SESSION_COOKIE)?.value;
  (await cookies()).delete({ name: PENDING_SESSION_COOKIE, path: '/login' });
  if (!token) redirect('/login');
  await startSession(token);
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
