/**
 * Longest base name accepted, in characters (code points), not counting `.wav`; the key adds 13
 * (`_` + 8 hex digits + `.wav`).
 *
 * @example
 * ```ts
 * import { MAX_BASE_LENGTH } from '@musicgen/prompts';
 * MAX_BASE_LENGTH; // 120
 * ```
 */
export const MAX_BASE_LENGTH = 120;

const WAV_SUFFIX = /\.wav$/i;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const SEPARATOR = /[/\\]/;
const WINDOWS_RESERVED_CHAR = /[<>:"|?*]/;
const WINDOWS_DEVICE = /^(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])$/i;
const NON_BMP = /[\ud800-\udbff]/;
// eslint-disable-next-line no-control-regex
const ANY_SHARED_PROBLEM = /[\u0000-\u001f\u007f-\u009f/\\<>:"|?*]|\.\./;
const ASCII_ONLY = /^[\x20-\x7e]*$/;

/** The outcome of checking a FILENAME field: its base (without `.wav`) or why it is refused. */
export type FileNameCheck = { readonly base: string } | { readonly problem: string };

/**
 * Checks a FILENAME field and strips an optional `.wav` (any case). Other extensions stay part of the
 * base (`take.mp3` gives base `take.mp3` and key `take.mp3_<hash8>.wav`). The base is NFC-normalised.
 */
export function checkFileName(name: string): FileNameCheck {
  const shared = sharedProblem(name);
  if (shared !== undefined) return { problem: shared };
  const base = name.replace(WAV_SUFFIX, '');
  if (base === '') return { problem: 'needs a name before ".wav"' };
  const problem = baseProblem(base);
  if (problem !== undefined) return { problem };
  return { base: ASCII_ONLY.test(base) ? base : base.normalize('NFC') };
}

/** Why `base` cannot be the base of a key (the same rules as for a FILENAME), or undefined. */
export function checkBaseName(base: string): string | undefined {
  return sharedProblem(base) ?? baseProblem(base);
}

function sharedProblem(name: string): string | undefined {
  if (name === '') return 'is missing';
  if (!ANY_SHARED_PROBLEM.test(name)) return undefined;
  if (CONTROL.test(name)) return 'must not contain control characters';
  if (SEPARATOR.test(name)) return 'must be a plain name without / or \\ (path separators)';
  if (WINDOWS_RESERVED_CHAR.test(name)) return 'must not contain any of < > : " | ? * (reserved on Windows)';
  if (name.includes('..')) return 'must not contain ".."';
  return undefined;
}

function baseProblem(base: string): string | undefined {
  if (base.endsWith('.') || base.endsWith(' ')) {
    return 'must not end with a dot or a space (reserved on Windows)';
  }
  const dot = base.indexOf('.');
  const stem = dot < 0 ? base : base.slice(0, dot).trimEnd();
  if (stem.length <= 4 && WINDOWS_DEVICE.test(stem)) {
    return 'must not be a Windows device name (CON, PRN, AUX, NUL, COM0-9, LPT0-9)';
  }
  const length = NON_BMP.test(base) ? [...base].length : base.length;
  if (length > MAX_BASE_LENGTH) return `must be at most ${MAX_BASE_LENGTH} characters without ".wav"`;
  return undefined;
}
