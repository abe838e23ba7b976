import { describe, expect, it } from 'vitest';
import { DEFAULT_GENERATION } from './generation-parameters.js';
import { parseLine, type LineContext } from './parse-line.js';
import type { PromptJob } from './prompt-job.js';
import type { PromptLineError } from './prompt-line-error.js';

const CONTEXT: LineContext = { defaults: DEFAULT_GENERATION, maxDurationSeconds: 600 };
const FORM = 'line must have the form PROMPT ; DURATION ; FILENAME';
const FORM_OPTIONS = `${FORM} ; OPTIONS (the text after the last ";" looks like options)`;

const PIANO_JOB: PromptJob = {
  line: 4,
  prompt: 'calm piano',
  frames: 1000,
  modelId: 'facebook/musicgen-medium',
  guidance: 3,
  topK: 250,
  topP: 0,
  temperature: 1,
  seed: 4049751528,
  seedDerived: true,
  durationSeconds: 20,
  base: 'piano',
  key: 'piano_f571f187.wav',
  identityHash: 'f571f187f1624de82b2195b7f5a5cd011ce0f2ebf0c6d76c7737f3418fea1b04',
};

function job(text: string): PromptJob {
  const outcome = parseLine(text, 4, CONTEXT);
  if (outcome === undefined || Array.isArray(outcome)) {
    throw new Error(`expected a job from ${JSON.stringify(text)}, got ${JSON.stringify(outcome)}`);
  }
  return outcome;
}

describe('parseLine: jobs', () => {
  it('reads PROMPT ; DURATION ; FILENAME into a whole job', () => {
    expect(parseLine('calm piano ; 20 ; piano', 4, CONTEXT)).toEqual(PIANO_JOB);
  });

  it.each([
    ['calm piano;20;piano'],
    ['   calm piano\t;\t20 ;  piano.wav   '],
    ['calm piano ; 20.0 ; piano.WAV'],
    ['calm piano ; 20s ; piano'],
    ['calm piano ; 0:20 ; piano'],
    ['calm piano ; 00:20.000 ; piano'],
    ['calm piano ; 19.99 ; piano'],
    ['calm piano ; 20 ; piano ; guidance=3.0 top_k=250 top-p=0 temperature=1'],
  ])('gives %j the same job', (text) => {
    const { seedDerived, durationSeconds, ...rest } = job(text);
    const { seedDerived: _s, durationSeconds: _d, ...expected } = PIANO_JOB;
    expect(rest).toEqual(expected);
    expect(typeof seedDerived).toBe('boolean');
    expect(durationSeconds).toBeCloseTo(20, 1);
  });

  it('counts a seed given on the line in the key, even when it equals the derived one', () => {
    expect(job('calm piano ; 20 ; piano ; seed=4049751528')).toMatchObject({
      seed: 4049751528,
      seedDerived: false,
      key: 'piano_0f239a8d.wav',
    });
  });

  it('applies per-line options over the defaults', () => {
    expect(job('rain; on a roof ; 1:30 ; rain.wav ; seed=7 top-k=50')).toEqual({
      line: 4,
      prompt: 'rain; on a roof',
      frames: 4500,
      modelId: 'facebook/musicgen-medium',
      guidance: 3,
      topK: 50,
      topP: 0,
      temperature: 1,
      seed: 7,
      seedDerived: false,
      durationSeconds: 90,
      base: 'rain',
      key: 'rain_9a37e11c.wav',
      identityHash: '9a37e11c5286ec5763a1c3e5680f03cddce86fa18fd9fd5d59e8a8cbd6506d7e',
    });
  });

  it.each([
    ['a; b ; c ; 10 ; f', 'a; b ; c', 'f'],
    ['a prompt ; x=1 ; 10 ; f', 'a prompt ; x=1', 'f'],
    ['tempo = 120 ; 10 ; f', 'tempo = 120', 'f'],
    ['a # not a comment ; 10 ; f', 'a # not a comment', 'f'],
    ['Zu\u0308rich ; 10 ; Zu\u0308rich', 'Z\u00fcrich', 'Z\u00fcrich'],
    ['drums ; 10 ; take.mp3', 'drums', 'take.mp3'],
  ])('splits %j on the last separators', (text, prompt, base) => {
    expect(job(text)).toMatchObject({ prompt, base });
  });

  it('uses the defaults it is given', () => {
    const context: LineContext = {
      defaults: { modelId: 'facebook/musicgen-small', guidance: 5, topK: 0, topP: 0.9, temperature: 0.5 },
      maxDurationSeconds: 30,
    };
    expect(parseLine('x ; 30 ; y ; top_k=10', 1, context)).toMatchObject({
      modelId: 'facebook/musicgen-small',
      guidance: 5,
      topK: 10,
      topP: 0.9,
      temperature: 0.5,
      frames: 1500,
    });
  });
});

describe('parseLine: skipped lines', () => {
  it.each([[''], ['   '], ['\t'], ['# a comment'], ['   # indented ; 10 ; x']])('skips %j', (text) => {
    expect(parseLine(text, 1, CONTEXT)).toBeUndefined();
  });
});

describe('parseLine: errors', () => {
  it.each<[string, [number, string][]]>([
    ['onlyone', [[1, `${FORM}: found "onlyone"`]]],
    ['a ; 10', [[1, `${FORM}: found "a ; 10"`]]],
    [';', [[1, `${FORM}: found ";"`]]],
    ['q ; 10 ; seed=4', [[1, `${FORM_OPTIONS}: found "q ; 10 ; seed=4"`]]],
    ['lofi ; seed=4', [[1, `${FORM_OPTIONS}: found "lofi ; seed=4"`]]],
    [' ; 10 ; a', [[1, 'prompt must not be empty: found ""']]],
    ['piano ;  ; a', [[8, 'duration is missing: found ""']]],
    ['piano ; 10 ; ', [[13, 'filename is missing: found ""']]],
    ['piano ; 10 ;', [[13, 'filename is missing: found ""']]],
    [
      'piano ; ten ; a',
      [[9, 'duration must be seconds (12, 12.5, 12s) or m:ss (1:30, 0:45.5): found "ten"']],
    ],
    ['piano ; 601 ; a', [[9, 'duration must be at most 600 s: found "601"']]],
    [
      'piano ; 0.001 ; a',
      [[9, 'duration rounds to 0 frames (the shortest duration is 0.01 s): found "0.001"']],
    ],
    [
      'piano ; 10 ; ../x',
      [[14, 'filename must be a plain name without / or \\ (path separators): found "../x"']],
    ],
    [
      'piano ; 10 ; nul',
      [[14, 'filename must not be a Windows device name (CON, PRN, AUX, NUL, COM0-9, LPT0-9): found "nul"']],
    ],
    ['piano ; 10 ; a\u0001b', [[14, 'filename must not contain control characters: found "a\\u0001b"']]],
    [
      'piano ; 10 ; say "hi"',
      [[14, 'filename must not contain any of < > : " | ? * (reserved on Windows): found "say \\"hi\\""']],
    ],
    [
      'Käse 🧀 ; abc ; x',
      [[10, 'duration must be seconds (12, 12.5, 12s) or m:ss (1:30, 0:45.5): found "abc"']],
    ],
    [
      '🎵🎵 ; 1 ; a/b',
      [[10, 'filename must be a plain name without / or \\ (path separators): found "a/b"']],
    ],
    [
      ' ; 0 ; a/b',
      [
        [1, 'prompt must not be empty: found ""'],
        [4, 'duration must be greater than 0: found "0"'],
        [8, 'filename must be a plain name without / or \\ (path separators): found "a/b"'],
      ],
    ],
    [
      'x ; 0 ; y ; seed=-1 foo=2',
      [
        [5, 'duration must be greater than 0: found "0"'],
        [13, 'option seed must be an integer from 0 to 4294967295: found "seed=-1"'],
        [21, 'option "foo" is unknown (use seed, guidance, top_k, top_p or temperature): found "foo=2"'],
      ],
    ],
    [
      'lofi beat ; 10 ; beat ; x=1',
      [[25, 'option "x" is unknown (use seed, guidance, top_k, top_p or temperature): found "x=1"']],
    ],
    [`${'🎵'.repeat(61)}`, [[1, `${FORM}: found "${'🎵'.repeat(60)}…"`]]],
    [`${'🎵'.repeat(60)}`, [[1, `${FORM}: found "${'🎵'.repeat(60)}"`]]],
    [
      `x ; 1 ; ${'a'.repeat(70)}/`,
      [[9, `filename must be a plain name without / or \\ (path separators): found "${'a'.repeat(60)}…"`]],
    ],
  ])('reports %j', (text, expected) => {
    const errors: PromptLineError[] = expected.map(([column, message]) => ({ line: 7, column, message }));
    expect(parseLine(text, 7, CONTEXT)).toEqual(errors);
  });
});
