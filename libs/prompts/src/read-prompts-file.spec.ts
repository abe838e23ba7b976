import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPromptErrors } from './format-prompt-errors.js';
import { parsePrompts } from './parse-prompts.js';
import { PromptsFileError } from './prompts-file-error.js';
import { checkPromptsFile, readPromptsFile } from './read-prompts-file.js';

let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prompts-file-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function fileError(path: string, options = {}): Promise<[string, string]> {
  try {
    await readPromptsFile(path, options);
  } catch (error) {
    if (error instanceof PromptsFileError) {
      expect(error.source).toBe(path);
      expect(error.message).toBe(`Cannot read prompts file ${JSON.stringify(path)}: ${error.reason}`);
      return [error.code, error.reason];
    }
    throw error;
  }
  throw new Error(`expected ${path} to be refused`);
}

describe('readPromptsFile', () => {
  it('reads a file, naming it in messages', async () => {
    const path = await write('ok.txt', '\ufeff# demo\r\ncalm piano ; 20 ; piano\r\nbad ; 0 ; x\r\n');
    const result = await readPromptsFile(path);
    expect(result.jobs.map((job) => [job.line, job.key])).toEqual([[2, 'piano_f571f187.wav']]);
    expect(formatPromptErrors(result)).toEqual([`${path}:3:7: duration must be greater than 0: found "0"`]);
    expect(result.lineCount).toBe(3);
    const renamed = await readPromptsFile(path, { source: 'prompts.txt' });
    expect(renamed.source).toBe('prompts.txt');
  });

  it('gives the same result as parsePrompts over a read stream of tiny chunks', async () => {
    const path = await write('tiny.txt', '\ufeff# é\r\nKäse 🧀 ; 1:30 ; käse\r\nbad ; x ; y\r\nlast ; 2 ; z');
    const streamed = await parsePrompts(createReadStream(path, { highWaterMark: 3 }), { source: path });
    expect(streamed).toEqual(await readPromptsFile(path));
    expect(streamed.jobs.map((job) => job.key)).toHaveLength(2);
  });

  it('streams a file of many chunks and keeps line numbers right', async () => {
    const lines = Array.from(
      { length: 40_000 },
      (_, i) => `prompt number ${i} — äöü 🎵 ; ${(i % 600) + 1} ; f${i}`,
    );
    lines[39_990] = 'broken ; 1:99 ; x';
    const path = await write('many.txt', `${lines.join('\r\n')}\r\n`);
    const result = await readPromptsFile(path);
    expect(result.jobs).toHaveLength(39_999);
    expect(result.jobs[39_998]).toMatchObject({ line: 40_000, base: 'f39999', frames: 20_000 });
    expect(result.errors).toEqual([
      {
        line: 39_991,
        column: 10,
        message: 'duration must have fewer than 60 seconds after ":": found "1:99"',
      },
    ]);
  });

  it('reports a 5 MB line without separators as one short error', async () => {
    const path = await write('one-line.txt', 'x'.repeat(5_000_000));
    const result = await readPromptsFile(path);
    expect(result.errors).toEqual([
      {
        line: 1,
        column: 1,
        message: `line must have the form PROMPT ; DURATION ; FILENAME: found "${'x'.repeat(60)}…"`,
      },
    ]);
  });

  it.each<[string, () => Promise<string>, [string, string]]>([
    ['a missing file', async () => join(dir, 'nope.txt'), ['NOT_FOUND', 'no such file']],
    [
      'a path through a file',
      async () => join(await write('plain.txt', 'a ; 1 ; b\n'), 'x.txt'),
      ['NOT_FOUND', 'no such file (a part of the path is not a directory)'],
    ],
    [
      'a directory',
      async () => {
        const path = join(dir, 'folder');
        await mkdir(path);
        return path;
      },
      ['NOT_A_FILE', 'it is a directory, not a file'],
    ],
    ['an empty file', () => write('empty.txt', ''), ['NO_PROMPTS', 'it is empty']],
    [
      'a file of comments',
      () => write('comments.txt', '# nothing yet\r\n\r\n   # still nothing\r\n'),
      ['NO_PROMPTS', 'it has no prompts, only blank lines and # comments'],
    ],
    [
      'binary garbage',
      () => write('noise.bin', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x08, 0x00, 0x0a, 0x99])),
      ['NOT_UTF8', 'it is not UTF-8 text: NUL byte at line 1, column 6 (byte offset 5)'],
    ],
    [
      'Latin-1 text',
      () => write('latin1.txt', Buffer.from('ok ; 1 ; a\ncaf\xe9 ; 1 ; b\n', 'latin1')),
      ['NOT_UTF8', 'it is not UTF-8 text: invalid byte 0xE9 at line 2, column 4 (byte offset 14)'],
    ],
    [
      'UTF-16 text',
      () => write('utf16.txt', Buffer.from('\ufeffa ; 1 ; b\r\n', 'utf16le')),
      ['NOT_UTF8', 'it is not UTF-8 text: it starts with a UTF-16 byte order mark (save it as UTF-8)'],
    ],
    [
      'a 100 MB file',
      async () => {
        const path = await write('huge.txt', '');
        await truncate(path, 100_000_000);
        return path;
      },
      ['TOO_LARGE', 'it is 95.4 MiB (100000000 bytes), over the maxBytes limit of 64 MiB (67108864 bytes)'],
    ],
  ])('refuses %s', async (_name, makePath, expected) => {
    expect(await fileError(await makePath())).toEqual(expected);
  });

  it('checkPromptsFile refuses a missing file or a directory without reading, and passes a readable file', async () => {
    const codeOf = (promise: Promise<void>) =>
      promise.then(
        () => 'ok',
        (error: PromptsFileError) => `${error.code}: ${error.message}`,
      );
    await mkdir(join(dir, 'check-folder'));
    expect(
      await Promise.all([
        codeOf(checkPromptsFile(join(dir, 'absent.txt'), { source: 'absent.txt' })),
        codeOf(checkPromptsFile(join(dir, 'check-folder'), { source: 'check-folder' })),
        codeOf(checkPromptsFile(await write('check.txt', 'a ; 1 ; b\n'))),
      ]),
    ).toEqual([
      'NOT_FOUND: Cannot read prompts file "absent.txt": no such file',
      'NOT_A_FILE: Cannot read prompts file "check-folder": it is a directory, not a file',
      'ok',
    ]);
  });

  it('refuses a file over a custom maxBytes from its size', async () => {
    const path = await write('small.txt', 'a ; 1 ; b\n'.repeat(200));
    expect(await fileError(path, { maxBytes: 1024 })).toEqual([
      'TOO_LARGE',
      'it is 2000 bytes, over the maxBytes limit of 1024 bytes',
    ]);
  });

  it.skipIf(process.platform === 'win32')('refuses a FIFO instead of waiting for a writer', async () => {
    const path = join(dir, 'pipe');
    execFileSync('mkfifo', [path]);
    expect(await fileError(path)).toEqual([
      'NOT_A_FILE',
      'it is not a regular file (a FIFO, socket or device)',
    ]);
  });

  it('checks its options before touching the file', async () => {
    await expect(readPromptsFile(join(dir, 'nope.txt'), { maxErrors: -1 })).rejects.toThrow(
      new RangeError('Cannot parse prompts: option maxErrors must be an integer >= 0: got -1'),
    );
    await expect(readPromptsFile('')).rejects.toThrow(
      new TypeError('Cannot read prompts file: path must be a non-empty string: got ""'),
    );
  });
});
