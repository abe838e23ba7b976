import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeWav } from './decode-wav.js';
import { encodeWav } from './encode-wav.js';
import { describeWithTools, run } from './test-support/external-tools.js';

const ramp = (n: number, scale: number) => Float32Array.from({ length: n }, (_, i) => scale * (i / n - 0.5));

describe('decodeWav', () => {
  it.each([
    ['pcm16', 1, 32768],
    ['pcm16', 2, 32768],
    ['pcm24', 1, 8388608],
    ['float32', 2, 0],
  ] as const)('reads back what encodeWav wrote (%s, %i channels)', (format, count, scale) => {
    const input = Array.from({ length: count }, (_, c) => ramp(101, c === 0 ? 1.5 : -0.8));
    const decoded = decodeWav(encodeWav(input, { format, sampleRate: 44100 }));
    const full = format === 'pcm16' ? 32767 : 8388607;
    const expected = input.map((channel) =>
      Float32Array.from(channel, (x) => {
        const clamped = Math.max(-1, Math.min(1, x));
        return scale === 0 ? clamped : Math.round(clamped * full) / scale;
      }),
    );
    expect(decoded).toEqual({ sampleRate: 44100, format, frames: 101, channels: expected });
  });

  it('reads the whole frames of a data chunk cut short', () => {
    const bytes = encodeWav([ramp(100, 1)], { format: 'pcm16' });
    const decoded = decodeWav(bytes.subarray(0, 44 + 51));
    expect(decoded.frames).toBe(25);
    expect(decoded.channels[0]).toEqual(decodeWav(bytes).channels[0]?.subarray(0, 25));
  });

  it('skips chunks it does not know (LIST) and reads the data after them', () => {
    const plain = encodeWav([ramp(10, 1)]);
    const list = new Uint8Array([...'LIST'].map((c) => c.charCodeAt(0)).concat([3, 0, 0, 0, 1, 2, 3, 0]));
    const withList = new Uint8Array([...plain.subarray(0, 36), ...list, ...plain.subarray(36)]);
    expect(decodeWav(withList)).toEqual(decodeWav(plain));
  });

  it.each([
    [
      new Uint8Array([1, 2, 3]),
      'Cannot read WAV as the file does not start with a RIFF/WAVE header: got "\\u0001\\u0002\\u0003"',
    ],
    [
      Buffer.from('ID3\u0004 an mp3 file'),
      'Cannot read WAV as the file does not start with a RIFF/WAVE header: got "ID3\\u0004"',
    ],
    [Buffer.from('RIFF\u0004\u0000\u0000\u0000WAVE'), 'Cannot read WAV as it has no fmt chunk'],
    [encodeWav([ramp(4, 1)]).subarray(0, 36), 'Cannot read WAV as it has no data chunk'],
    [
      (() => {
        const bytes = encodeWav([ramp(4, 1)]);
        bytes[34] = 8; // bits per sample
        return bytes;
      })(),
      'Cannot read WAV as its sample format is not 16, 24 or 32-bit PCM or 32-bit float: format 1, 8 bits',
    ],
  ])('refuses %#', (bytes, message) => {
    expect(() => decodeWav(bytes)).toThrow(new SyntaxError(message));
  });
});

describeWithTools(['sox'], 'decodeWav reads what sox writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wav-decode-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['-b', '16', 1, 'pcm16'],
    ['-b', '24', 2, 'pcm24'],
    ['-b', '32', 2, 'pcm32'],
    ['-e', 'floating-point', 1, 'float32'],
  ] as const)('sox %s %s, %i channels', (flag, value, count, format) => {
    const path = join(dir, `${value}-${count}.wav`);
    // A 1 kHz sine at half scale, 0.1 s at 48 kHz; sox writes WAVE_FORMAT_EXTENSIBLE above 16 bits.
    const args = ['-n', '-r', '48000', '-c', String(count), flag, value];
    if (flag === '-e') args.push('-b', '32');
    run('sox', [...args, path, 'synth', '0.1', 'sine', '1000', 'vol', '0.5']);
    const decoded = decodeWav(readFileSync(path));
    expect({ sampleRate: decoded.sampleRate, format: decoded.format, frames: decoded.frames }).toEqual({
      sampleRate: 48000,
      format,
      frames: 4800,
    });
    expect(decoded.channels).toHaveLength(count);
    for (const channel of decoded.channels) {
      const peak = channel.reduce((max, x) => Math.max(max, Math.abs(x)), 0);
      expect(peak).toBeCloseTo(0.5, 3);
      // sample 12 is a quarter period of 1 kHz at 48 kHz: the crest
      expect(channel[12]).toBeCloseTo(0.5, 3);
    }
  });
});
