/** The state of a single sign-on in progress, kept by the browser between the provider's page and login/callback. */
export const SSO_STATE_COOKIE = 'facegate_sso_state';

/** Why a single sign-on was refused, as the sign-in page words it (a fixed word in the URL, never the API's text). */
export const SSO_REFUSALS = {
  'no-role': 'Your account at the sign-in provider has no role here: ask an administrator to add you to the facegate group.',
  'not-linked': 'An account with your email exists here and is not linked to the sign-in provider: ask an administrator.',
  'second-factor': 'This site requires a second factor, and the sign-in provider did not report one.',
  expired: 'This sign-in has expired. Try again.',
  unavailable: 'The facegate API cannot be reached.',
  refused: 'The sign-in provider’s answer was refused. Try again.',
} as const;
export type SsoRefusal = keyof typeof SSO_REFUSALS;

export function ssoRefusal(message: string): SsoRefusal {
  if (/no role/.test(message)) return 'no-role';
  if (/not linked/.test(message)) return 'not-linked';
  if (/second factor/.test(message)) return 'second-factor';
  if (/expired or was completed/.test(message)) return 'expired';
  return 'refused';
}

/** Secure cookies when the dashboard is served over HTTPS (FACEGATE_SECURE_COOKIES=1 forces, =0 never), as the sign-in's. */
export function secureCookie(headers: Headers): boolean {
  const forced = process.env.FACEGATE_SECURE_COOKIES;
  if (forced === '1' || forced === '0') return forced === '1';
  return headers.get('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
}
