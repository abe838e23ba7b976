import { describe, expect, it } from 'vitest';
import { encodeWav } from './encode-wav.js';
import { encodeWavStream, type WavStreamOptions } from './encode-wav-stream.js';

const ramp = (frames: number, offset: number): Float32Array =>
  Float32Array.from({ length: frames }, (_, i) => Math.sin(i * 0.01 + offset) * 1.1);

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}
const concat = (chunks: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(chunks));

/** Splits per-channel audio into chunks of the given frame counts. */
function* split(channels: Float32Array[], sizes: number[]): Generator<Float32Array[]> {
  let start = 0;
  for (const size of sizes) {
    yield channels.map((c) => c.subarray(start, start + size));
    start += size;
  }
}

describe('encodeWavStream', () => {
  it.each([
    ['pcm16', 1],
    ['pcm16', 2],
    ['pcm24', 1],
    ['pcm24', 2],
    ['float32', 1],
    ['float32', 2],
  ] as const)('yields exactly what encodeWav writes (%s, %i channel(s))', async (format, channelCount) => {
    const audio = [ramp(1001, 0), ramp(1001, 1)].slice(0, channelCount);
    const options = { format, channels: channelCount, frames: 1001, gain: 0.9, chunkBytes: 300 };
    const chunks = await collect(encodeWavStream(split(audio, [1, 500, 0, 300, 200]), options));
    expect(concat(chunks)).toEqual(encodeWav(audio, { format, gain: 0.9 }));
    expect(chunks[0]?.length).toBe(format === 'float32' ? 58 : 44);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(300);
  });

  it('yields the header first with the declared sizes', async () => {
    const iterator = encodeWavStream([[new Float32Array(4)]], { frames: 4 })[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toEqual(encodeWav([new Float32Array(4)]).subarray(0, 44));
  });

  it('reads from async iterables', async () => {
    async function* source(): AsyncGenerator<Float32Array[]> {
      yield [Float32Array.of(0.5)];
      yield [Float32Array.of(-0.5)];
    }
    expect(concat(await collect(encodeWavStream(source(), { frames: 2 })))).toEqual(
      encodeWav([Float32Array.of(0.5, -0.5)]),
    );
  });

  it('fails when the source delivers more frames than declared', async () => {
    await expect(
      collect(encodeWavStream([[new Float32Array(3)], [new Float32Array(3)]], { frames: 5 })),
    ).rejects.toThrow(
      new RangeError(
        'Cannot encode WAV stream: the source delivered more than the declared 5 frames: got 6 so far',
      ),
    );
  });

  it('fails when the source ends early', async () => {
    await expect(collect(encodeWavStream([[new Float32Array(3)]], { frames: 5 }))).rejects.toThrow(
      new RangeError('Cannot encode WAV stream: the source ended after 3 of the declared 5 frames'),
    );
  });

  it('fails on a chunk with the wrong channel count', async () => {
    await expect(
      collect(encodeWavStream([[new Float32Array(1)]], { frames: 1, channels: 2 })),
    ).rejects.toThrow(new RangeError('Cannot encode WAV stream: expected 2 channel(s): got 1'));
  });

  it.each([
    [{ frames: -1 }, 'Cannot encode WAV stream: frames must be an integer from 0 to 2147483629: got -1'],
    [{ frames: 1, channels: 0 }, 'Cannot encode WAV stream: channels must be 1 (mono) or 2 (stereo): got 0'],
    [
      { frames: 1, chunkBytes: 1 },
      'Cannot encode WAV stream: chunkBytes must be an integer >= 2 (one frame): got 1',
    ],
    [
      { frames: 1, format: 'pcm24', channels: 2, chunkBytes: 5 },
      'Cannot encode WAV stream: chunkBytes must be an integer >= 6 (one frame): got 5',
    ],
    [{ frames: 1, gain: Number.NaN }, 'Cannot encode WAV stream: gain must be a finite number >= 0: got NaN'],
  ])('rejects options %j when called', (options, message) => {
    expect(() => encodeWavStream([], options as WavStreamOptions)).toThrow(new RangeError(message));
  });
});
