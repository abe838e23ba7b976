import wavefile from 'wavefile';
import { describe, expect, it } from 'vitest';
import { encodeWav } from './encode-wav.js';

const { WaveFile } = wavefile;
const f = (values: number[]): Float32Array => Float32Array.from(values);
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('encodeWav', () => {
  it('writes a canonical 44-byte PCM header and 16-bit samples', () => {
    const bytes = encodeWav([f([0, 1, -1, 0.5])]);
    expect(hex(bytes)).toBe(
      '52494646' +
        '2c000000' +
        '57415645' + // RIFF, size 44, WAVE
        '666d7420' +
        '10000000' +
        '0100' +
        '0100' +
        '007d0000' +
        '00fa0000' +
        '0200' +
        '1000' + // fmt: PCM mono 32000 Hz
        '64617461' +
        '08000000' + // data, 8 bytes
        '0000' +
        'ff7f' +
        '0180' +
        '0040', // 0, 32767, -32767, 16384 (16383.5 rounds up)
    );
  });

  it('writes float32 with format 3, an 18-byte fmt chunk and a fact chunk', () => {
    const bytes = encodeWav([f([0.25, -2])], { format: 'float32', sampleRate: 48000 });
    expect(hex(bytes)).toBe(
      '52494646' +
        '3a000000' +
        '57415645' +
        '666d7420' +
        '12000000' +
        '0300' +
        '0100' +
        '80bb0000' +
        '00ee0200' +
        '0400' +
        '2000' +
        '0000' +
        '66616374' +
        '04000000' +
        '02000000' + // fact: 2 frames
        '64617461' +
        '08000000' +
        '0000803e' +
        '000080bf', // 0.25, -1 (clamped)
    );
  });

  it('pads an odd-sized 24-bit data chunk with one byte counted by RIFF only', () => {
    const bytes = encodeWav([f([1])], { format: 'pcm24' });
    expect(hex(bytes)).toBe(
      '52494646' +
        '28000000' +
        '57415645' +
        '666d7420' +
        '10000000' +
        '0100' +
        '0100' +
        '007d0000' +
        '00770100' +
        '0300' +
        '1800' +
        '64617461' +
        '03000000' +
        'ffff7f' +
        '00',
    );
  });

  it.each([
    [
      'pcm16',
      [0, 1, -1, 1.5, -1.5, 0.5, -0.5, 0.00002, -0.00002, Number.NaN],
      [0, 32767, -32767, 32767, -32767, 16384, -16383, 1, -1, 0],
    ],
    ['pcm24', [1, -1, 0.5, -0.5, 2, Number.NaN], [8388607, -8388607, 4194304, -4194303, 8388607, 0]],
  ] as const)('converts %s by clamp, scale and round', (format, input, expected) => {
    const wav = new WaveFile(encodeWav([f([...input])], { format }));
    expect(Array.from(wav.getSamples(false, Float64Array) as unknown as Float64Array)).toEqual(expected);
  });

  it.each([
    ['pcm16', 32767, 2],
    ['pcm24', 8388607, 3],
  ] as const)('rounds %s like Math.round for 200000 random float32 samples', (format, scale, size) => {
    const bits = new Uint32Array(200_000);
    let seed = 1;
    for (let i = 0; i < bits.length; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      bits[i] = seed;
    }
    const samples = new Float32Array(bits.buffer).map((x) => (Number.isFinite(x) ? x % 1 : 0));
    const view = new DataView(encodeWav([samples], { format }).buffer, 44);
    const mismatches: string[] = [];
    for (let i = 0; i < samples.length; i++) {
      const p = size * i;
      const actual =
        size === 2
          ? view.getInt16(p, true)
          : view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getInt8(p + 2) << 16);
      const expected = Math.round((samples[i] as number) * scale) + 0;
      if (actual !== expected) mismatches.push(`${samples[i]}: ${actual} != ${expected}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('applies gain, then the limit, in every format', () => {
    const input = f([0.25, 0.5, -0.5]);
    const options = { gain: 2, limit: 0.75, format: 'float32' } as const;
    const wav = new WaveFile(encodeWav([input], options));
    expect(Array.from(wav.getSamples(false, Float64Array) as unknown as Float64Array)).toEqual([
      0.5, 0.75, -0.75,
    ]);
    const pcm = new WaveFile(encodeWav([input], { ...options, format: 'pcm16' }));
    expect(Array.from(pcm.getSamples(false, Float64Array) as unknown as Float64Array)).toEqual([
      16384, 24575, -24575,
    ]);
  });

  it.each(['pcm16', 'pcm24', 'float32'] as const)(
    'writes %s stereo that wavefile reads back interleaved',
    (format) => {
      const left = f([0.5, -0.25, 0]);
      const right = f([-0.5, 0.125, 1]);
      const wav = new WaveFile(encodeWav([left, right], { format, sampleRate: 44100 }));
      const fmt = wav.fmt as {
        numChannels: number;
        sampleRate: number;
        bitsPerSample: number;
        audioFormat: number;
      };
      expect([fmt.numChannels, fmt.sampleRate, fmt.bitsPerSample, fmt.audioFormat]).toEqual([
        2,
        44100,
        { pcm16: 16, pcm24: 24, float32: 32 }[format],
        format === 'float32' ? 3 : 1,
      ]);
      const scale = { pcm16: 32767, pcm24: 8388607, float32: 1 }[format];
      const expected = [0.5, -0.5, -0.25, 0.125, 0, 1].map((x) =>
        format === 'float32' ? x : Math.round(x * scale),
      );
      expect(Array.from(wav.getSamples(true, Float64Array) as unknown as Float64Array)).toEqual(expected);
    },
  );

  it.each(['pcm16', 'pcm24', 'float32'] as const)(
    'converts %s audio longer than one internal block',
    (format) => {
      const frames = 50_001;
      const left = Float32Array.from({ length: frames }, (_, i) => Math.sin(i / 100));
      const right = Float32Array.from({ length: frames }, (_, i) => Math.cos(i / 70) * 1.2);
      const scale = { pcm16: 32767, pcm24: 8388607, float32: 1 }[format];
      const convert = (x: number): number => {
        const clamped = Math.max(-1, Math.min(1, x));
        return format === 'float32' ? clamped : Math.round(clamped * scale);
      };
      const expected = Array.from(left, (x, i) => [convert(x), convert(right[i] as number)]).flat();
      const wav = new WaveFile(encodeWav([left, right], { format }));
      expect(Array.from(wav.getSamples(true, Float64Array) as unknown as Float64Array)).toEqual(expected);
      const mono = new WaveFile(encodeWav([left], { format }));
      expect(Array.from(mono.getSamples(false, Float64Array) as unknown as Float64Array)).toEqual(
        Array.from(left, convert),
      );
    },
  );

  it('encodes an empty signal as a header with an empty data chunk', () => {
    expect(encodeWav([new Float32Array(0)]).length).toBe(44);
  });

  it.each([
    [[], {}, RangeError, 'Cannot encode WAV: channels must be 1 (mono) or 2 (stereo): got 0'],
    [
      [f([0]), f([0]), f([0])],
      {},
      RangeError,
      'Cannot encode WAV: channels must be 1 (mono) or 2 (stereo): got 3',
    ],
    [
      [f([0]), f([0, 0])],
      {},
      RangeError,
      'Cannot encode WAV: all channels must have the same length: got 1, 2',
    ],
    [[[0]], {}, TypeError, 'Cannot encode WAV: channels must be an array of Float32Array, one per channel'],
    [
      [f([0])],
      { sampleRate: 0 },
      RangeError,
      'Cannot encode WAV: sampleRate must be an integer from 1 to 1000000: got 0',
    ],
    [
      [f([0])],
      { format: 'pcm8' },
      RangeError,
      `Cannot encode WAV: format must be 'pcm16', 'pcm24' or 'float32': got "pcm8"`,
    ],
    [[f([0])], { gain: -1 }, RangeError, 'Cannot encode WAV: gain must be a finite number >= 0: got -1'],
    [
      [f([0])],
      { gain: Infinity },
      RangeError,
      'Cannot encode WAV: gain must be a finite number >= 0: got Infinity',
    ],
    [[f([0])], { limit: 0 }, RangeError, 'Cannot encode WAV: limit must be in (0, 1]: got 0'],
    [[f([0])], { limit: 1.5 }, RangeError, 'Cannot encode WAV: limit must be in (0, 1]: got 1.5'],
  ])('rejects channels %j with options %j', (channels, options, type, message) => {
    expect(() => encodeWav(channels as Float32Array[], options as object)).toThrow(new type(message));
  });
});
