import { hashPassword, verifyPassword } from '../db/secrets.ts';
import { InvalidInputError } from '../errors.ts';

/** A PIN typed at a door's keypad: digits only. */
export const PIN_LENGTH = { min: 4, max: 12 } as const;

/**
 * Refuses PINs a thief tries first: too short, not digits, one repeated digit (0000), a run up or
 * down (1234, 9876). Hashed with argon2id like passwords: a stolen database does not give them away.
 */
export async function hashPin(pin: string): Promise<string> {
  if (!new RegExp(`^\\d{${PIN_LENGTH.min},${PIN_LENGTH.max}}$`).test(pin))
    throw new InvalidInputError(`a PIN is ${PIN_LENGTH.min} to ${PIN_LENGTH.max} digits`);
  const digits = [...pin].map(Number);
  const steps = new Set(digits.slice(1).map((d, i) => (d - digits[i]! + 10) % 10));
  if (steps.size === 1 && (steps.has(0) || steps.has(1) || steps.has(9)))
    throw new InvalidInputError('this PIN is too easy to guess (repeated digits or a run such as 1234)');
  return hashPassword(pin);
}

export function verifyPin(pinHash: string, pin: string): Promise<boolean> {
  return verifyPassword(pinHash, pin);
}
