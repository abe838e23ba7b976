import { describe, expect, it } from 'vitest';
import { audioExtensionWarning, checkBaseName, checkFileName } from './check-filename.js';

const SEPARATORS = 'must be a plain name without / or \\ (path separators)';
const RESERVED_CHAR = 'must not contain any of < > : " | ? * (reserved on Windows)';
const TRAILING = 'must not end with a dot or a space (reserved on Windows)';
const DEVICE = 'must not be a Windows device name (CON, PRN, AUX, NUL, COM0-9, LPT0-9)';
const TOO_LONG = 'must be at most 120 characters without ".wav"';
const HIDDEN = 'must not start with a dot (the file would be hidden)';
const invisible = (code: string) =>
  `must not contain invisible format characters such as bidirectional controls or zero-width spaces: found ${code}`;

describe('checkFileName', () => {
  it.each([
    ['piano', 'piano'],
    ['piano.wav', 'piano'],
    ['piano.WAV', 'piano'],
    ['piano.wav.wav', 'piano.wav'],
    ['take.mp3', 'take.mp3'],
    ['my song (v2)', 'my song (v2)'],
    ['console', 'console'],
    ['COM10', 'COM10'],
    ['Zürich', 'Zürich'],
    ['Zu\u0308rich.wav', 'Z\u00fcrich'],
    ['音楽', '音楽'],
    ['a'.repeat(120), 'a'.repeat(120)],
    [`${'a'.repeat(120)}.wav`, 'a'.repeat(120)],
    ['🎵'.repeat(120), '🎵'.repeat(120)],
  ])('accepts %j as base %j', (name, base) => {
    expect(checkFileName(name)).toEqual({ base });
  });

  it.each([
    ['', 'is missing'],
    ['.wav', 'needs a name before ".wav"'],
    ['a/b', SEPARATORS],
    ['a\\b', SEPARATORS],
    ['/etc/passwd', SEPARATORS],
    ['..', 'must not contain ".."'],
    ['a..b', 'must not contain ".."'],
    ['a\u0007b', 'must not contain control characters'],
    ['a\tb', 'must not contain control characters'],
    ['a\u007fb', 'must not contain control characters'],
    ['a\u0085b', 'must not contain control characters'],
    ['a<b', RESERVED_CHAR],
    ['a>b', RESERVED_CHAR],
    ['c:drive', RESERVED_CHAR],
    ['say "hi"', RESERVED_CHAR],
    ['a|b', RESERVED_CHAR],
    ['why?', RESERVED_CHAR],
    ['a*', RESERVED_CHAR],
    ['name.', TRAILING],
    ['name .wav', TRAILING],
    ['name.wav.', TRAILING],
    ['CON', DEVICE],
    ['con.wav', DEVICE],
    ['Nul.txt', DEVICE],
    ['PRN', DEVICE],
    ['aux', DEVICE],
    ['COM1', DEVICE],
    ['lpt9.wav', DEVICE],
    ['COM¹', DEVICE],
    ['CON .txt', DEVICE],
    ['a'.repeat(121), TOO_LONG],
    [`${'a'.repeat(121)}.wav`, TOO_LONG],
    ['🎵'.repeat(121), TOO_LONG],
    ['.hidden', HIDDEN],
    ['.hidden.wav', HIDDEN],
    ['. x', HIDDEN],
    // a right-to-left override makes "evil\u202Ewav.exe" read as "evilexe.wav"
    ['evil\u202Ewav.exe', invisible('U+202E')],
    ['a\u202Ab', invisible('U+202A')],
    ['a\u2066b', invisible('U+2066')],
    ['a\u200Fb', invisible('U+200F')],
    ['piano\u200B', invisible('U+200B')],
    ['pi\u200Dano.wav', invisible('U+200D')],
    ['\uFEFFpiano', invisible('U+FEFF')],
    ['so\u00ADng', invisible('U+00AD')],
  ])('refuses %j: %s', (name, problem) => {
    expect(checkFileName(name)).toEqual({ problem });
  });
});

describe('checkBaseName', () => {
  it.each([
    ['piano', undefined],
    ['piano.wav', undefined],
    ['', 'is missing'],
    ['a/b', SEPARATORS],
    ['NUL', DEVICE],
    ['x.', TRAILING],
    ['.x', HIDDEN],
    ['x\u202Ey', invisible('U+202E')],
  ])('%j gives %j', (base, problem) => {
    expect(checkBaseName(base)).toBe(problem);
  });
});

describe('audioExtensionWarning', () => {
  it.each([
    [
      'song.mp3',
      'ends in ".mp3" but the file will be a WAV named "song.mp3_<hash8>.wav" (write "song" for "song_<hash8>.wav")',
    ],
    [
      'Take 2.FLAC',
      'ends in ".FLAC" but the file will be a WAV named "Take 2.FLAC_<hash8>.wav" (write "Take 2" for "Take 2_<hash8>.wav")',
    ],
    [
      'a.b.ogg',
      'ends in ".ogg" but the file will be a WAV named "a.b.ogg_<hash8>.wav" (write "a.b" for "a.b_<hash8>.wav")',
    ],
  ])('warns about %j', (base, warning) => {
    expect(audioExtensionWarning(base)).toBe(warning);
  });

  it.each([['song'], ['song.v2'], ['mp3'], ['notes.txt'], ['song.wav']])('says nothing about %j', (base) => {
    expect(audioExtensionWarning(base)).toBeUndefined();
  });
});
