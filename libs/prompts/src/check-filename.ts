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

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const SEPARATOR = /[/\\]/;
const WINDOWS_RESERVED_CHAR = /[<>:"|?*]/;
const WINDOWS_DEVICE = /^(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])$/i;
const WAV = '.wav';
/**
 * Unicode format characters (category Cf): invisible, yet part of the name. Bidirectional controls
 * make a name read differently from what it is (`evil\u202Ewav.exe` shows as `evilexe.wav`), and
 * zero-width characters make two names that look the same differ.
 */
const FORMAT_CHARACTER = /\p{Cf}/u;
/** Audio extensions other than `.wav` that a FILENAME may end in by mistake (any case). */
const AUDIO_EXTENSION = /\.(mp3|flac|ogg|oga|opus|m4a|aac|aif|aiff|aifc|wma|wv|ape|caf)$/i;
/** Printable ASCII without the separators and the characters reserved on Windows: the common case. */
const PLAIN_NAME = /^[\x20\x21\x23-\x29\x2b-\x2e\x30-\x39\x3b\x3d\x40-\x5b\x5d-\x7b\x7d\x7e]*$/;

/** What a pass over a name found (bit flags), so that the common plain names skip the other checks. */
const SHARED_PROBLEM = 1;
const NOT_PRINTABLE_ASCII = 2;
const NON_BMP = 4;

/** The outcome of checking a FILENAME field: its base (without `.wav`) or why it is refused. */
export type FileNameCheck = { readonly base: string } | { readonly problem: string };

/**
 * Checks a FILENAME field and strips an optional `.wav` (any case). Other extensions stay part of the
 * base (`take.mp3` gives base `take.mp3` and key `take.mp3_<hash8>.wav`, with the warning of
 * {@link audioExtensionWarning}; stripping them would change the keys stores already hold). The base
 * is NFC-normalised. Refused: control and invisible format characters (bidirectional controls,
 * zero-width characters), path separators, characters reserved on Windows, `..`, a leading dot, a
 * trailing dot or space, Windows device names, more than {@link MAX_BASE_LENGTH} characters.
 */
export function checkFileName(name: string): FileNameCheck {
  const found = scan(name);
  const shared = sharedProblem(name, found);
  if (shared !== undefined) return { problem: shared };
  const base = hasWavSuffix(name) ? name.slice(0, -WAV.length) : name;
  if (base === '') return { problem: 'needs a name before ".wav"' };
  const problem = baseProblem(base, found);
  if (problem !== undefined) return { problem };
  return { base: (found & NOT_PRINTABLE_ASCII) === 0 ? base : base.normalize('NFC') };
}

/** Why `base` cannot be the base of a key (the same rules as for a FILENAME), or undefined. */
export function checkBaseName(base: string): string | undefined {
  const found = scan(base);
  return sharedProblem(base, found) ?? baseProblem(base, found);
}

/**
 * Flags for `name`: SHARED_PROBLEM for a control character (C0, DEL or C1), a path separator, a
 * character reserved on Windows or `..`; NOT_PRINTABLE_ASCII for anything outside U+0020..U+007E;
 * NON_BMP for a surrogate pair. Removing a `.wav` suffix changes none of them.
 */
function scan(name: string): number {
  if (PLAIN_NAME.test(name) && !name.includes('..')) return 0;
  let found = 0;
  let previous = 0;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) {
      found |= NOT_PRINTABLE_ASCII;
      if (code <= 0x9f) found |= SHARED_PROBLEM;
      else if (code >= 0xd800 && code <= 0xdbff) found |= NON_BMP;
    } else if (isReservedAscii(code) || (code === 0x2e && previous === 0x2e)) {
      found |= SHARED_PROBLEM;
    }
    previous = code;
  }
  return found;
}

/** `/ \\ < > : " | ? *`. */
function isReservedAscii(code: number): boolean {
  switch (code) {
    case 0x2f:
    case 0x5c:
    case 0x3c:
    case 0x3e:
    case 0x3a:
    case 0x22:
    case 0x7c:
    case 0x3f:
    case 0x2a:
      return true;
    default:
      return false;
  }
}

/** True when `name` ends with `.wav` in any case. */
function hasWavSuffix(name: string): boolean {
  const at = name.length - WAV.length;
  if (at < 0 || name.charCodeAt(at) !== 0x2e) return false;
  for (let i = 1; i < WAV.length; i++) {
    if ((name.charCodeAt(at + i) | 0x20) !== WAV.charCodeAt(i)) return false;
  }
  return true;
}

function sharedProblem(name: string, found: number): string | undefined {
  if (name === '') return 'is missing';
  if ((found & NOT_PRINTABLE_ASCII) !== 0) {
    const format = FORMAT_CHARACTER.exec(name);
    if (format !== null) {
      const code = (format[0].codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0');
      return `must not contain invisible format characters such as bidirectional controls or zero-width spaces: found U+${code}`;
    }
  }
  if ((found & SHARED_PROBLEM) === 0) return undefined;
  if (CONTROL.test(name)) return 'must not contain control characters';
  if (SEPARATOR.test(name)) return 'must be a plain name without / or \\ (path separators)';
  if (WINDOWS_RESERVED_CHAR.test(name)) return 'must not contain any of < > : " | ? * (reserved on Windows)';
  if (name.includes('..')) return 'must not contain ".."';
  return undefined;
}

function baseProblem(base: string, found: number): string | undefined {
  if (base.charCodeAt(0) === 0x2e) return 'must not start with a dot (the file would be hidden)';
  if (base.endsWith('.') || base.endsWith(' ')) {
    return 'must not end with a dot or a space (reserved on Windows)';
  }
  const dot = base.indexOf('.');
  const stem = dot < 0 ? base : base.slice(0, dot).trimEnd();
  if (stem.length <= 4 && WINDOWS_DEVICE.test(stem)) {
    return 'must not be a Windows device name (CON, PRN, AUX, NUL, COM0-9, LPT0-9)';
  }
  const length = (found & NON_BMP) === 0 ? base.length : [...base].length;
  if (length > MAX_BASE_LENGTH) return `must be at most ${MAX_BASE_LENGTH} characters without ".wav"`;
  return undefined;
}

/**
 * A warning for a base that ends in another audio extension (`.mp3`, `.flac`, `.ogg`, …, any case),
 * or undefined: the file is a WAV all the same, named `{base}_{hash8}.wav`. The extension is kept,
 * not stripped, so that lines that have one keep the keys stores already hold.
 *
 * @example
 * ```ts
 * audioExtensionWarning('song.mp3');
 * // 'ends in ".mp3" but the file will be a WAV named "song.mp3_<hash8>.wav" (write "song" for "song_<hash8>.wav")'
 * ```
 */
export function audioExtensionWarning(base: string): string | undefined {
  const match = AUDIO_EXTENSION.exec(base);
  if (match === null || match.index === 0) return undefined;
  const stem = base.slice(0, match.index);
  return `ends in "${match[0]}" but the file will be a WAV named "${base}_<hash8>.wav" (write "${stem}" for "${stem}_<hash8>.wav")`;
}
