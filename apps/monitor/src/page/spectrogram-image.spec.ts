import { spawnSync } from 'node:child_process';
import { spectrogram } from '@musicgen/wav';
import { describe, expect, it } from 'vitest';
import { encodePng } from './png-image.js';
import { rampColour, spectrogramPng } from './spectrogram-image.js';

/** Decodes a PNG to raw RGB with ffmpeg, a decoder independent of the encoder under test. */
function ffmpegRgb(png: Buffer): Buffer {
  const result = spawnSync(
    'ffmpeg',
    ['-v', 'error', '-f', 'png_pipe', '-i', '-', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { input: png, maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.error) throw new Error(`Cannot run ffmpeg (apt-get install ffmpeg): ${result.error.message}`);
  if (result.status !== 0) throw new Error(`ffmpeg failed: ${result.stderr.toString()}`);
  return result.stdout;
}

describe('encodePng', () => {
  it('writes a PNG that ffmpeg decodes to the same pixels', () => {
    const rgb = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) % 256);
    expect(ffmpegRgb(encodePng(5, 3, rgb))).toEqual(Buffer.from(rgb));
  });

  it.each([
    [0, 1, 0, 'Cannot encode PNG as its size must be positive integers: got 0x1'],
    [2, 2, 11, 'Cannot encode PNG as 2x2 RGB needs 12 bytes: got 11'],
  ])('refuses %ix%i with %i bytes', (w, h, n, message) => {
    expect(() => encodePng(w, h, new Uint8Array(n))).toThrow(new RangeError(message));
  });
});

describe('spectrogramPng', () => {
  it('draws a 1 kHz sine as one bright line at the row of 1 kHz, counted from the bottom', () => {
    const rate = 32000;
    const samples = Float32Array.from(
      { length: rate },
      (_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / rate),
    );
    const s = spectrogram(samples, rate, { columns: 20, rows: 64 });
    const rgb = ffmpegRgb(spectrogramPng(s));
    expect(rgb.length).toBe(20 * 64 * 3);
    const row = s.rowHz.reduce(
      (best, f, r) => (Math.abs(f - 1000) < Math.abs((s.rowHz[best] as number) - 1000) ? r : best),
      0,
    );
    const brightness = (x: number, y: number) => {
      const at = (y * 20 + x) * 3;
      return (rgb[at] as number) + (rgb[at + 1] as number) + (rgb[at + 2] as number);
    };
    for (let x = 1; x < 19; x++) {
      const column = Array.from({ length: 64 }, (_, y) => brightness(x, y));
      expect(column.indexOf(Math.max(...column))).toBe(63 - row);
      // Far from the line the picture is black.
      expect(brightness(x, 0)).toBe(8);
      expect(brightness(x, 63)).toBe(8);
    }
  });

  it('ramps from near black to pale yellow', () => {
    expect([rampColour(-1), rampColour(0), rampColour(0.5), rampColour(1), rampColour(2)]).toEqual([
      [0, 0, 8],
      [0, 0, 8],
      [150, 40, 110],
      [255, 245, 190],
      [255, 245, 190],
    ]);
  });
});
