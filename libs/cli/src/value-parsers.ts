import { InvalidArgumentError } from 'commander';

/** Bounds of a number flag; both inclusive, `max` optional. */
export interface NumberRange {
  readonly min: number;
  readonly max?: number;
}

/**
 * The number a flag's text spells: decimal digits with an optional sign, point and exponent, blanks
 * around it allowed; anything else (hex, `Infinity`, an empty text) is NaN.
 *
 * @example
 * ```ts
 * numberText(' 2.5e1 '); // 25
 * numberText('0x10'); // NaN
 * ```
 */
export function numberText(text: string): number {
  return /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(text) ? Number(text) : Number.NaN;
}

function rangeText(kind: string, { min, max }: NumberRange): string {
  return max === undefined ? `${kind} >= ${min}` : `${kind} from ${min} to ${max}`;
}

function rangedNumber(
  kind: string,
  range: NumberRange,
  ok: (n: number) => boolean,
): (text: string) => number {
  const rule = `it must be ${rangeText(kind, range)}`;
  return (text) => {
    const n = numberText(text);
    if (!ok(n) || n < range.min || (range.max !== undefined && n > range.max)) {
      throw new InvalidArgumentError(rule);
    }
    return n;
  };
}

/**
 * A value parser for whole numbers in a range.
 *
 * @example
 * ```ts
 * integer({ min: 1, max: 1024 })('32'); // 32
 * integer({ min: 1, max: 1024 })('0'); // throws InvalidArgumentError: it must be an integer from 1 to 1024
 * ```
 */
export function integer(range: NumberRange): (text: string) => number {
  return rangedNumber('an integer', range, Number.isInteger);
}

/**
 * A value parser for numbers (fractions allowed) in a range.
 *
 * @example
 * ```ts
 * decimal({ min: 0.5 })('2.5'); // 2.5
 * decimal({ min: 0.5 })('0'); // throws InvalidArgumentError: it must be a number >= 0.5
 * ```
 */
export function decimal(range: NumberRange): (text: string) => number {
  return rangedNumber('a number', range, Number.isFinite);
}

/**
 * A value parser for text that must not be blank; gives the text without surrounding blanks.
 *
 * @example
 * ```ts
 * nonBlank(' songs.txt '); // 'songs.txt'
 * nonBlank(' '); // throws InvalidArgumentError: it must not be empty
 * ```
 */
export function nonBlank(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') throw new InvalidArgumentError('it must not be empty');
  return trimmed;
}
