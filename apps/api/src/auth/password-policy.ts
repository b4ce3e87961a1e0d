import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { WeakPasswordError } from '../errors.ts';

export const PASSWORD_MIN_LENGTH = 10;
/** argon2 hashes any length, but nobody types more; longer input is refused rather than hashed. */
export const PASSWORD_MAX_LENGTH = 256;
/** zxcvbn's score, 0 (guessable in < 10^3 tries) to 4 (>= 10^10): 3 means >= 10^8 guesses. */
export const PASSWORD_MIN_SCORE = 3;

let zxcvbn: Promise<ZxcvbnFactory> | undefined;

/**
 * zxcvbn-ts (dictionaries of common passwords, names, words, keyboard patterns, repeats, sequences,
 * dates), loaded when a password is first set: its dictionaries hold about 35 MB, which an API restarted
 * with its administrators in place never needs.
 */
function strengthChecker(): Promise<ZxcvbnFactory> {
  zxcvbn ??= (async () => {
    const [{ ZxcvbnFactory }, common, en] = await Promise.all([
      import('@zxcvbn-ts/core'),
      import('@zxcvbn-ts/language-common'),
      import('@zxcvbn-ts/language-en'),
    ]);
    return new ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
    });
  })();
  return zxcvbn;
}

/**
 * Refuses a new administrator password that is too short, too long or too easy to guess, with a
 * WEAK_PASSWORD error saying why. `related` are words an attacker would try first (the email...).
 */
export async function checkPasswordStrength(password: string, related: readonly string[] = []): Promise<void> {
  if (password.length < PASSWORD_MIN_LENGTH) throw new WeakPasswordError(`the password needs at least ${PASSWORD_MIN_LENGTH} characters`);
  if (password.length > PASSWORD_MAX_LENGTH) throw new WeakPasswordError(`the password may have at most ${PASSWORD_MAX_LENGTH} characters`);
  const words = related.flatMap((word) => [word, ...word.split(/[^\p{L}\p{N}]+/u)]).filter((w) => w.length >= 3);
  const result = await (await strengthChecker()).checkAsync(password, ['facegate', 'admin', 'administrator', ...words]);
  if (result.score < PASSWORD_MIN_SCORE) {
    const why = result.feedback.warning ?? 'it is too easy to guess';
    throw new WeakPasswordError(`the password is too weak: ${why.replace(/\.$/, '')}`, result.feedback.suggestions);
  }
}
