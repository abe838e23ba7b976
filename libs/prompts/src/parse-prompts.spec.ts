import { describe, expect, it } from 'vitest';
import { formatPromptErrors } from './format-prompt-errors.js';
import { deriveSeed, identityHash, jobKey } from './job-identity.js';
import { parsePrompts, type PromptsParseResult } from './parse-prompts.js';
import type { ParsePromptsOptions } from './parse-prompts-options.js';
import { PromptsFileError } from './prompts-file-error.js';

const FILE = [
  '\ufeff# Prompts for the demo',
  'calm piano ; 20 ; piano',
  '',
  '   # indented comment',
  'rain; on a roof ; 1:30 ; rain.wav ; seed=7 top-k=50',
  'Käse 🧀 ; abc ; käse',
  'calm piano ; 0:20 ; piano.wav',
  'last ; 0.03 ; z',
].join('\r\n');

async function* chunksOf(...parts: (Uint8Array | string)[]): AsyncGenerator<Uint8Array | string> {
  for (const part of parts) yield part;
}

async function fileError(run: () => Promise<unknown>): Promise<PromptsFileError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof PromptsFileError) return error;
    throw error;
  }
  throw new Error('expected a PromptsFileError');
}

function summary(result: PromptsParseResult) {
  return {
    jobs: result.jobs.map((job) => [job.line, job.key, job.frames, job.seed, job.seedDerived]),
    errors: formatPromptErrors(result),
    lineCount: result.lineCount,
  };
}

const EXPECTED = {
  jobs: [
    [2, 'piano_f571f187.wav', 1000, 4049751528, true],
    [5, 'rain_9a37e11c.wav', 4500, 7, false],
    [7, 'piano_f571f187.wav', 1000, 4049751528, true],
    [8, 'z_32ef6bd2.wav', 2, 2331778625, true],
  ],
  errors: ['p.txt:6:10: duration must be seconds (12, 12.5, 12s) or m:ss (1:30, 0:45.5): found "abc"'],
  lineCount: 8,
};

describe('parsePrompts: text', () => {
  it('reads a file with a BOM, CRLF, comments, blank lines, options and a bad line', async () => {
    const result = await parsePrompts(FILE, { source: 'p.txt' });
    expect(summary(result)).toEqual(EXPECTED);
    expect(result.source).toBe('p.txt');
    expect(result.omittedErrors).toBe(0);
    expect(result.jobs[0]).toEqual({
      line: 2,
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
    });
  });

  it('gives jobs whose key, hash and seed the identity functions recompute', async () => {
    const { jobs } = await parsePrompts(`${FILE}\r\nsay "hi" \\ Zu\u0308rich\t; 1 ; q ; top_p=0.5`);
    expect(jobs).toHaveLength(5);
    expect(jobs[4]).toMatchObject({ prompt: 'say "hi" \\ Z\u00fcrich', topP: 0.5 });
    for (const job of jobs) {
      expect(jobKey(job.base, job)).toBe(job.key);
      expect(identityHash(job)).toBe(job.identityHash);
      if (job.seedDerived) expect(deriveSeed(job)).toBe(job.seed);
    }
  });

  it('gives LF and CRLF files the same result', async () => {
    const lf = await parsePrompts(FILE.replaceAll('\r\n', '\n'), { source: 'p.txt' });
    expect(lf).toEqual(await parsePrompts(FILE, { source: 'p.txt' }));
  });

  it('keeps duplicate lines as separate jobs with the same key', async () => {
    const { jobs } = await parsePrompts('a ; 1 ; x\na ; 1 ; x\n');
    expect(jobs.map((job) => [job.line, job.key])).toEqual([
      [1, jobs[0]?.key],
      [2, jobs[0]?.key],
    ]);
    expect(jobs[0]).toEqual({ ...jobs[1], line: 1 });
  });

  it('counts columns on the first line without the BOM', async () => {
    const result = await parsePrompts('\ufeffpiano ; x ; a', { source: 'p.txt' });
    expect(formatPromptErrors(result)).toEqual([
      'p.txt:1:9: duration must be seconds (12, 12.5, 12s) or m:ss (1:30, 0:45.5): found "x"',
    ]);
  });

  it('refuses sampling values that FP32 cannot carry, at their line and column', async () => {
    const result = await parsePrompts('a ; 5 ; x ; top_p=1e-300\nb ; 5 ; y ; seed=1 guidance=1e-40\n', {
      source: 'p.txt',
    });
    const tooSmall =
      'must be 0 or at least 1.1754943508222875e-38 (smaller numbers are not normal FP32 values: they reach the model as 0 or lose their precision)';
    expect(formatPromptErrors(result)).toEqual([
      `p.txt:1:13: option top_p ${tooSmall}: found "top_p=1e-300"`,
      `p.txt:2:20: option guidance ${tooSmall}: found "guidance=1e-40"`,
    ]);
    expect(result.jobs).toEqual([]);
  });

  it('warns, at line and column, about a filename that ends in another audio extension', async () => {
    const result = await parsePrompts('a ; 5 ; song.mp3\nb ; 5 ;   Take.FLAC ; seed=2\nc ; 5 ; c.wav\n', {
      source: 'p.txt',
    });
    expect(result.warnings).toEqual([
      {
        line: 1,
        column: 9,
        message:
          'filename ends in ".mp3" but the file will be a WAV named "song.mp3_<hash8>.wav" (write "song" for "song_<hash8>.wav")',
      },
      {
        line: 2,
        column: 11,
        message:
          'filename ends in ".FLAC" but the file will be a WAV named "Take.FLAC_<hash8>.wav" (write "Take" for "Take_<hash8>.wav")',
      },
    ]);
    expect(result.jobs.map((job) => job.key)).toEqual([
      'song.mp3_6a48f614.wav',
      'Take.FLAC_ab3d5b06.wav',
      'c_f03ce237.wav',
    ]);
  });

  it('passes its defaults and maximum to every line', async () => {
    const result = await parsePrompts('a ; 31 ; x\nb ; 30 ; y ; guidance=7\n', {
      defaults: { modelId: 'facebook/musicgen-small', topP: 0.9 },
      maxDurationSeconds: 30,
    });
    expect(formatPromptErrors(result)).toEqual(['<input>:1:5: duration must be at most 30 s: found "31"']);
    expect(result.jobs).toMatchObject([
      { line: 2, modelId: 'facebook/musicgen-small', guidance: 7, topK: 250, topP: 0.9, temperature: 1 },
    ]);
  });

  it('keeps maxErrors errors and counts the rest', async () => {
    const text = Array.from({ length: 1005 }, (_, i) => `p${i} ; 0 ; f`).join('\n');
    const result = await parsePrompts(`${text}\nok ; 1 ; g\n`, { source: 'big.txt' });
    expect(result.errors).toHaveLength(1000);
    expect(result.errors[999]).toEqual({
      line: 1000,
      column: 8,
      message: 'duration must be greater than 0: found "0"',
    });
    expect(result.omittedErrors).toBe(5);
    expect(result.jobs.map((job) => job.line)).toEqual([1006]);
    expect(formatPromptErrors(result).slice(-2)).toEqual([
      'big.txt:1000:8: duration must be greater than 0: found "0"',
      'big.txt: 5 more errors not shown (maxErrors option)',
    ]);
  });

  it('counts every error when maxErrors is 0', async () => {
    const result = await parsePrompts('a ; 0 ; b\n ; 1 ; c\n', { maxErrors: 0 });
    expect(result).toEqual({
      source: '<input>',
      jobs: [],
      errors: [],
      omittedErrors: 2,
      warnings: [],
      lineCount: 2,
    });
    expect(formatPromptErrors(result)).toEqual(['<input>: 2 more errors not shown (maxErrors option)']);
  });

  it.each([
    ['', 'Cannot read prompts file "<input>": it is empty'],
    ['\n\n', 'Cannot read prompts file "<input>": it has no prompts, only blank lines and # comments'],
    [
      '# one\r\n  # two\r\n\t\r\n',
      'Cannot read prompts file "<input>": it has no prompts, only blank lines and # comments',
    ],
  ])('refuses %j with NO_PROMPTS', async (text, message) => {
    const error = await fileError(() => parsePrompts(text));
    expect([error.code, error.message]).toEqual(['NO_PROMPTS', message]);
  });

  it('refuses text with a NUL character, naming where', async () => {
    const error = await fileError(() => parsePrompts('a ; 1 ; b\nKä\0se ; 1 ; e', { source: 'x.txt' }));
    expect([error.code, error.message]).toEqual([
      'NOT_UTF8',
      'Cannot read prompts file "x.txt": it is not UTF-8 text: NUL byte at line 2, column 3 (byte offset 13)',
    ]);
  });

  it('refuses text over maxBytes', async () => {
    const error = await fileError(() => parsePrompts('a ; 1 ; b\n', { maxBytes: 5 }));
    expect([error.code, error.message]).toEqual([
      'TOO_LARGE',
      'Cannot read prompts file "<input>": it is 10 bytes, over the maxBytes limit of 5 bytes',
    ]);
  });
});

describe('parsePrompts: streams', () => {
  const bytes = Buffer.from(FILE, 'utf8');
  const expected = (async () => summary(await parsePrompts(FILE, { source: 'p.txt' })))();

  it('gives the same result for every split into two chunks (inside UTF-8 characters, CRLF, the BOM)', async () => {
    for (let at = 0; at <= bytes.length; at++) {
      const result = await parsePrompts(chunksOf(bytes.subarray(0, at), bytes.subarray(at)), {
        source: 'p.txt',
      });
      expect(summary(result), `split at byte ${at}`).toEqual(await expected);
    }
  });

  it('reads one byte at a time, plain Uint8Arrays and string chunks', async () => {
    const single = [...bytes].map((byte) => new Uint8Array([byte]));
    expect(summary(await parsePrompts(chunksOf(...single), { source: 'p.txt' }))).toEqual(await expected);
    const view = new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    expect(
      summary(await parsePrompts(chunksOf(view.subarray(0, 40), view.subarray(40)), { source: 'p.txt' })),
    ).toEqual(await expected);
    expect(
      summary(await parsePrompts(chunksOf(FILE.slice(0, 50), FILE.slice(50)), { source: 'p.txt' })),
    ).toEqual(await expected);
  });

  it('is not fooled by a caller that reuses its chunk buffer', async () => {
    const shared = Buffer.alloc(7);
    async function* reusing(): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < bytes.length; at += shared.length) {
        const length = bytes.copy(shared, 0, at, at + shared.length);
        yield shared.subarray(0, length);
      }
    }
    expect(summary(await parsePrompts(reusing(), { source: 'p.txt' }))).toEqual(await expected);
  });

  it.each<[string, number[], string]>([
    [
      'an invalid byte',
      [...Buffer.from('a ; 1 ; b\nc ; 1'), 0xff, ...Buffer.from(' ; d\n')],
      'invalid byte 0xFF at line 2, column 6 (byte offset 15)',
    ],
    [
      'an overlong encoding',
      [...Buffer.from('ab'), 0xc0, 0xaf],
      'invalid byte 0xC0 at line 1, column 3 (byte offset 2)',
    ],
    [
      'an encoded surrogate',
      [...Buffer.from('é'), 0xed, 0xa0, 0x80, 0x0a],
      'invalid byte 0xED at line 1, column 2 (byte offset 2)',
    ],
    [
      'a character cut off at the end',
      [...Buffer.from('a ; 1 ; b\nc'), 0xe2, 0x82],
      'invalid byte 0xE2 at line 2, column 2 (byte offset 11)',
    ],
    [
      'a NUL byte after a BOM',
      [0xef, 0xbb, 0xbf, ...Buffer.from('ab'), 0, 0x0a],
      'NUL byte at line 1, column 3 (byte offset 5)',
    ],
    [
      'a UTF-16 file',
      [0xff, 0xfe, 0x61, 0, 0x0a, 0],
      'it starts with a UTF-16 byte order mark (save it as UTF-8)',
    ],
  ])('refuses a stream with %s', async (_name, content, detail) => {
    const data = Buffer.from(content);
    for (const at of [0, 1, 3, data.length - 1]) {
      const error = await fileError(() =>
        parsePrompts(chunksOf(data.subarray(0, at), data.subarray(at)), { source: 'bin.dat' }),
      );
      expect([error.code, error.message]).toEqual([
        'NOT_UTF8',
        `Cannot read prompts file "bin.dat": it is not UTF-8 text: ${detail}`,
      ]);
    }
  });

  it('stops an endless stream at maxBytes', async () => {
    async function* endless(): AsyncGenerator<string> {
      for (;;) yield 'a ; 1 ; b\n';
    }
    const error = await fileError(() => parsePrompts(endless(), { maxBytes: 1000 }));
    expect([error.code, error.message]).toEqual([
      'TOO_LARGE',
      'Cannot read prompts file "<input>": it is over the maxBytes limit of 1000 bytes: read 1010 bytes so far',
    ]);
  });

  it('refuses an empty stream', async () => {
    const error = await fileError(() => parsePrompts(chunksOf()));
    expect([error.code, error.message]).toEqual([
      'NO_PROMPTS',
      'Cannot read prompts file "<input>": it is empty',
    ]);
  });
});

describe('parsePrompts: options', () => {
  it.each<[string, unknown, Error]>([
    [
      'an unknown option',
      { maxDuration: 5 },
      new TypeError(
        'Cannot parse prompts: option maxDuration is unknown (known: source, defaults, maxDurationSeconds, maxErrors, maxBytes, seed)',
      ),
    ],
    [
      'an unknown default',
      { defaults: { top_k: 5 } },
      new TypeError(
        'Cannot parse prompts: option defaults.top_k is unknown (known: modelId, guidance, topK, topP, temperature)',
      ),
    ],
    [
      'an empty source',
      { source: '' },
      new RangeError('Cannot parse prompts: option source must be a non-empty string: got ""'),
    ],
    [
      'maxDurationSeconds 0',
      { maxDurationSeconds: 0 },
      new RangeError(
        'Cannot parse prompts: option maxDurationSeconds must be a number > 0 and <= 86400: got 0',
      ),
    ],
    [
      'maxDurationSeconds NaN',
      { maxDurationSeconds: Number.NaN },
      new RangeError(
        'Cannot parse prompts: option maxDurationSeconds must be a number > 0 and <= 86400: got NaN',
      ),
    ],
    [
      'maxErrors -1',
      { maxErrors: -1 },
      new RangeError('Cannot parse prompts: option maxErrors must be an integer >= 0: got -1'),
    ],
    [
      'maxBytes 0',
      { maxBytes: 0 },
      new RangeError('Cannot parse prompts: option maxBytes must be an integer >= 1: got 0'),
    ],
    [
      'maxBytes 1.5',
      { maxBytes: 1.5 },
      new RangeError('Cannot parse prompts: option maxBytes must be an integer >= 1: got 1.5'),
    ],
    [
      'defaults.topK 5000',
      { defaults: { topK: 5000 } },
      new RangeError(
        'Cannot parse prompts: option defaults.topK must be an integer from 0 to 2048: got 5000',
      ),
    ],
    [
      'defaults.topP 1.5',
      { defaults: { topP: 1.5 } },
      new RangeError('Cannot parse prompts: option defaults.topP must be a number from 0 to 1: got 1.5'),
    ],
    [
      'defaults.guidance "3"',
      { defaults: { guidance: '3' } },
      new RangeError(
        'Cannot parse prompts: option defaults.guidance must be a number from 0 to 100: got "3"',
      ),
    ],
    [
      'seed -1',
      { seed: -1 },
      new RangeError('Cannot parse prompts: option seed must be an integer from 0 to 4294967295: got -1'),
    ],
    [
      'defaults.temperature -1',
      { defaults: { temperature: -1 } },
      new RangeError(
        'Cannot parse prompts: option defaults.temperature must be a number from 0 to 100: got -1',
      ),
    ],
    [
      'an empty model id',
      { defaults: { modelId: '' } },
      new RangeError('Cannot parse prompts: option defaults.modelId must be a non-empty string: got ""'),
    ],
  ])('refuses %s before reading', async (_name, options, expected) => {
    let pulled = false;
    async function* input(): AsyncGenerator<string> {
      pulled = true;
      yield 'a ; 1 ; b\n';
    }
    const failure = parsePrompts(input(), options as ParsePromptsOptions);
    await expect(failure).rejects.toThrow(expected);
    await expect(failure).rejects.toBeInstanceOf(expected.constructor);
    expect(pulled).toBe(false);
  });

  it('refuses input that is neither text nor chunks', async () => {
    await expect(parsePrompts(42 as unknown as string)).rejects.toThrow(
      new TypeError(
        'Cannot parse prompts: input must be a string or an async iterable of chunks: got number',
      ),
    );
  });
});
