import { describe, expect, it } from 'vitest';
import { checkBaseName, checkFileName } from './check-filename.js';

const SEPARATORS = 'must be a plain name without / or \\ (path separators)';
const RESERVED_CHAR = 'must not contain any of < > : " | ? * (reserved on Windows)';
const TRAILING = 'must not end with a dot or a space (reserved on Windows)';
const DEVICE = 'must not be a Windows device name (CON, PRN, AUX, NUL, COM0-9, LPT0-9)';
const TOO_LONG = 'must be at most 120 characters without ".wav"';

describe('checkFileName', () => {
  it.each([
    ['piano', 'piano'],
    ['piano.wav', 'piano'],
    ['piano.WAV', 'piano'],
    ['piano.wav.wav', 'piano.wav'],
    ['take.mp3', 'take.mp3'],
    ['my song (v2)', 'my song (v2)'],
    ['.hidden', '.hidden'],
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
  ])('%j gives %j', (base, problem) => {
    expect(checkBaseName(base)).toBe(problem);
  });
});
