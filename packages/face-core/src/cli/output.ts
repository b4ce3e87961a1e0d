// How every facegate command prints its result: --json or readable lines, numbers rounded.
export interface Output {
  json?: boolean;
}

/** Prints the result: one JSON object with --json, otherwise readable lines. */
export function print(options: Output, result: object, text: string): void {
  process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : `${text}\n`);
}

export const round = (n: number, digits = 4) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : n);

/** Numbers rounded to 5 digits, at any depth. */
export function roundDeep<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_, v: unknown) => (typeof v === 'number' ? round(v, 5) : v))) as T;
}
