'use server';

import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { graphql } from '@/generated';
import type { ConfirmTotpEnrolmentMutation, LoginSecondFactorMutation } from '@/generated/graphql';
import { explain, isError, request, SESSION_COOKIE, signInRequest, type ErrorResult } from '@/lib/api';

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

const LoginDocument = graphql(`
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      __typename
      ... on MutationLoginSuccess {
        data {
          token
          admin {
            email
            role
          }
        }
      }
      ...SignInRefusal
      ... on SecondFactorRequiredError {
        challenge
        enrolmentRequired
        passkeyAvailable
      }
    }
  }
`);

const StartTotpEnrolmentDocument = graphql(`
  mutation StartTotpEnrolment($c: String!) {
    startTotpEnrolment(challenge: $c) {
      __typename
      ... on MutationStartTotpEnrolmentSuccess {
        data {
          secret
          uri
        }
      }
      ...MutationError
    }
  }
`);

const ConfirmTotpEnrolmentDocument = graphql(`
  mutation ConfirmTotpEnrolment($code: String!, $c: String!) {
    confirmTotpEnrolment(code: $code, challenge: $c) {
      __typename
      ... on MutationConfirmTotpEnrolmentSuccess {
        data {
          recoveryCodes
          session {
            token
          }
        }
      }
      ...SignInRefusal
    }
  }
`);

const LoginSecondFactorDocument = graphql(`
  mutation LoginSecondFactor($code: String!, $c: String!) {
    loginSecondFactor(code: $code, challenge: $c) {
      __typename
      ... on MutationLoginSecondFactorSuccess {
        data {
          token
        }
      }
      ...SignInRefusal
    }
  }
`);

const StartPasskeySignInDocument = graphql(`
  mutation StartPasskeySignIn($c: String!) {
    startPasskeySignIn(challenge: $c) {
      __typename
      ... on MutationStartPasskeySignInSuccess {
        data {
          optionsJson
        }
      }
      ...MutationError
    }
  }
`);

const LoginPasskeyDocument = graphql(`
  mutation LoginPasskey($c: String!, $r: String!) {
    loginPasskey(challenge: $c, response: $r) {
      __typename
      ... on MutationLoginPasskeySuccess {
        data {
          token
        }
      }
      ...SignInRefusal
    }
  }
`);

const SignOutDocument = graphql(`
  mutation SignOut {
    signOut {
      __typename
    }
  }
`);

/** A refusal's wait in minutes (RATE_LIMITED), a minute when it says none. */
const retryMinutes = (r: ErrorResult) =>
  Math.ceil(('retryAfterSeconds' in r && typeof r.retryAfterSeconds === 'number' ? r.retryAfterSeconds : 60) / 60);

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
    const { login } = await signInRequest(LoginDocument, parsed.data);
    if (isError(login)) {
      if (login.code === 'SECOND_FACTOR_REQUIRED' && 'challenge' in login && login.challenge)
        return secondStep(login.challenge, login.enrolmentRequired === true, email, login.passkeyAvailable === true);
      if (login.code === 'LOGIN_FAILED') return { error: 'Wrong email or password.', email };
      if (login.code === 'RATE_LIMITED')
        return { error: `Too many failed sign-ins. Try again in ${retryMinutes(login)} minute(s).`, email };
      return { error: login.message, email };
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
  const { startTotpEnrolment: r } = await signInRequest(StartTotpEnrolmentDocument, { c: challenge });
  return isError(r) ? { error: r.message, email } : { step: 'enrol', enrolment: r.data, email };
}

/** The second step: a code (or a recovery code) for the challenge; or, for an enrolment, the app's first code. */
export async function submitCode(previous: LoginState, form: FormData): Promise<LoginState> {
  const parsed = CodeInput.safeParse({ code: form.get('code') });
  if (!parsed.success) return { ...previous, error: parsed.error.issues.map((i) => i.message).join(' ') };
  const challenge = (await cookies()).get(CHALLENGE_COOKIE)?.value;
  if (!challenge) return { error: 'This sign-in has expired. Sign in again.', email: previous.email };
  const variables = { code: parsed.data.code, c: challenge };
  let answer: ConfirmTotpEnrolmentMutation['confirmTotpEnrolment'] | LoginSecondFactorMutation['loginSecondFactor'];
  try {
    answer =
      previous.step === 'enrol'
        ? (await signInRequest(ConfirmTotpEnrolmentDocument, variables)).confirmTotpEnrolment
        : (await signInRequest(LoginSecondFactorDocument, variables)).loginSecondFactor;
  } catch (error) {
    return { ...previous, error: explain(error) };
  }
  const data = isError(answer) ? null : answer.data;
  const token = data && ('token' in data ? data.token : data.session?.token);
  if (!token) {
    if (isError(answer) && answer.code === 'RATE_LIMITED')
      return { error: `Too many failed sign-ins. Try again in ${retryMinutes(answer)} minute(s).`, email: previous.email };
    const message = isError(answer) ? answer.message : undefined;
    return {
      ...previous,
      error:
        isError(answer) && answer.code === 'LOGIN_FAILED'
          ? (message ?? 'Wrong code.').replace(/^./, (c) => c.toUpperCase())
          : (message ?? 'Sign-in failed.'),
    };
  }
  (await cookies()).delete({ name: CHALLENGE_COOKIE, path: '/login' });
  // After an enrolment the recovery codes are shown once, before going on: the session waits in a
  // cookie of the sign-in page (a session cookie now would send this page on to the overview).
  if (data && 'recoveryCodes' in data) {
    (await cookies()).set(PENDING_SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: await secureCookies(),
      path: '/login',
      maxAge: 10 * 60,
    });
    return { recoveryCodes: data.recoveryCodes };
  }
  await startSession(token);
  redirect('/overview');
}

const PasskeyAnswer = z.object({ response: z.string().min(2).max(16_000) });
const refusalText = (r: ErrorResult) =>
  r.code === 'RATE_LIMITED'
    ? `Too many failed sign-ins. Try again in ${retryMinutes(r)} minute(s).`
    : r.message.replace(/^./, (c) => c.toUpperCase());

/** The passkey step, first half: the options for the browser's WebAuthn call, for this sign-in's challenge. */
export async function passkeySignInOptions(): Promise<{ options?: string; error?: string }> {
  const challenge = (await cookies()).get(CHALLENGE_COOKIE)?.value;
  if (!challenge) return { error: 'This sign-in has expired. Sign in again.' };
  try {
    const { startPasskeySignIn: r } = await signInRequest(StartPasskeySignInDocument, { c: challenge });
    return isError(r) ? { error: refusalText(r) } : { options: r.data.optionsJson };
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
    const { loginPasskey: r } = await signInRequest(LoginPasskeyDocument, { c: challenge, r: parsed.data.response });
    if (isError(r)) return { error: refusalText(r) };
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
    await request(SignOutDocument, {}, { token }).catch(() => undefined);
  }
  (await cookies()).delete(SESSION_COOKIE);
  redirect('/login');
}
