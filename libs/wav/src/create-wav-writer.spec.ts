import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWavWriter } from './create-wav-writer.js';
import { encodeWav } from './encode-wav.js';

const wave = (frames: number, phase: number): Float32Array =>
  Float32Array.from({ length: frames }, (_, i) => 1.1 * Math.sin(i * 0.003 + phase));

describe('createWavWriter', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wav-writer-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['pcm16', 1],
    ['pcm16', 2],
    ['pcm24', 1],
    ['pcm24', 2],
    ['float32', 1],
    ['float32', 2],
  ] as const)(
    'writes what encodeWav writes (%s, %i channel(s)) through a small buffer',
    async (format, channelCount) => {
      const audio = [wave(5001, 0), wave(5001, 2)].slice(0, channelCount);
      const path = join(dir, 'out.wav');
      const writer = await createWavWriter(path, {
        format,
        channels: channelCount,
        gain: 0.7,
        bufferBytes: 1000,
      });
      let start = 0;
      for (const size of [0, 1, 2999, 2000, 1]) {
        await writer.write(audio.map((c) => c.subarray(start, start + size)));
        start += size;
      }
      expect(writer.frames).toBe(5001);
      const expected = encodeWav(audio, { format, gain: 0.7 });
      expect(await writer.close()).toEqual({ path, frames: 5001, bytes: expected.length });
      expect(new Uint8Array(readFileSync(path))).toEqual(expected);
      expect(readdirSync(dir)).toEqual(['out.wav']);
    },
  );

  it('keeps the final name free until close, then replaces an existing file', async () => {
    const path = join(dir, 'song.wav');
    writeFileSync(path, 'previous');
    const writer = await createWavWriter(path);
    await writer.write([Float32Array.of(0.5, -0.5)]);
    expect(readFileSync(path, 'utf8')).toBe('previous');
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toHaveLength(1);
    await writer.close();
    expect(new Uint8Array(readFileSync(path))).toEqual(encodeWav([Float32Array.of(0.5, -0.5)]));
    expect(readdirSync(dir)).toEqual(['song.wav']);
  });

  it('removes the temporary file on abort and refuses further use', async () => {
    const writer = await createWavWriter(join(dir, 'x.wav'));
    await writer.write([new Float32Array(10)]);
    await writer.abort();
    await writer.abort();
    expect(readdirSync(dir)).toEqual([]);
    await expect(writer.write([new Float32Array(1)])).rejects.toThrow(
      new Error('Cannot write WAV: the writer is aborted'),
    );
    await expect(writer.close()).rejects.toThrow(new Error('Cannot close WAV writer: the writer is aborted'));
  });

  it('refuses writes after close', async () => {
    const writer = await createWavWriter(join(dir, 'x.wav'));
    await writer.close();
    await expect(writer.write([new Float32Array(1)])).rejects.toThrow(
      new Error('Cannot write WAV: the writer is closed'),
    );
  });

  it('writes an empty file as a valid header', async () => {
    const writer = await createWavWriter(join(dir, 'empty.wav'), { format: 'float32' });
    expect(await writer.close()).toEqual({ path: join(dir, 'empty.wav'), frames: 0, bytes: 58 });
    expect(new Uint8Array(readFileSync(join(dir, 'empty.wav')))).toEqual(
      encodeWav([new Float32Array(0)], { format: 'float32' }),
    );
  });

  it("writes into a caller's FileHandle from position 0 and leaves it open", async () => {
    const path = join(dir, 'handle.wav');
    writeFileSync(path, 'x'.repeat(500));
    const handle = await open(path, 'r+');
    try {
      const writer = await createWavWriter(handle, { format: 'pcm24' });
      await writer.write([Float32Array.of(0.25)]);
      expect(await writer.close()).toEqual({ path: null, frames: 1, bytes: 48 });
      expect((await handle.stat()).size).toBe(48);
    } finally {
      await handle.close();
    }
    expect(new Uint8Array(readFileSync(path))).toEqual(
      encodeWav([Float32Array.of(0.25)], { format: 'pcm24' }),
    );
  });

  it('rejects a chunk with the wrong channel count', async () => {
    const writer = await createWavWriter(join(dir, 'x.wav'), { channels: 2 });
    await expect(writer.write([new Float32Array(1)])).rejects.toThrow(
      new RangeError('Cannot write WAV: expected 2 channel(s): got 1'),
    );
    await writer.abort();
  });

  it.each([
    [{ channels: 3 }, RangeError, 'Cannot write WAV: channels must be 1 (mono) or 2 (stereo): got 3'],
    [
      { bufferBytes: 1 },
      RangeError,
      'Cannot write WAV: bufferBytes must be an integer >= 2 (one frame): got 1',
    ],
    [
      { format: 'pcm32' },
      RangeError,
      `Cannot write WAV: format must be 'pcm16', 'pcm24' or 'float32': got "pcm32"`,
    ],
    [
      { sampleRate: 1.5 },
      RangeError,
      'Cannot write WAV: sampleRate must be an integer from 1 to 1000000: got 1.5',
    ],
  ])('rejects options %j before creating a file', async (options, type, message) => {
    await expect(createWavWriter(join(dir, 'x.wav'), options as object)).rejects.toThrow(new type(message));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('rejects a target that is neither a path nor a FileHandle', async () => {
    await expect(createWavWriter(42 as never)).rejects.toThrow(
      new TypeError('Cannot write WAV: target must be a path or a FileHandle'),
    );
  });
});
