import type { Spectrogram } from '@musicgen/wav';
import { encodePng } from './png-image.js';

/** Levels shown, in dB relative to a full-scale sine: below the floor is black, 0 dB the brightest. */
export const SPECTROGRAM_FLOOR_DB = -90;

/** The colour ramp, dark to bright: (position 0..1, r, g, b). */
const RAMP: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 0, 8],
  [0.25, 40, 18, 96],
  [0.5, 150, 40, 110],
  [0.75, 245, 120, 40],
  [1, 255, 245, 190],
];

/** The ramp's colour at `t` (0..1). */
export function rampColour(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t));
  for (let i = 1; i < RAMP.length; i++) {
    const [p1, r1, g1, b1] = RAMP[i] as readonly [number, number, number, number];
    if (x > p1) continue;
    const [p0, r0, g0, b0] = RAMP[i - 1] as readonly [number, number, number, number];
    const f = (x - p0) / (p1 - p0);
    return [Math.round(r0 + f * (r1 - r0)), Math.round(g0 + f * (g1 - g0)), Math.round(b0 + f * (b1 - b0))];
  }
  return [255, 245, 190];
}

/**
 * Draws a spectrogram as a PNG: one pixel per column and row, low frequencies at the bottom, the level
 * from {@link SPECTROGRAM_FLOOR_DB} (black) to 0 dB (pale yellow) on {@link rampColour}.
 *
 * @example
 * ```ts
 * const png = spectrogramPng(spectrogram(samples, 32000, { columns: 800, rows: 200 }));
 * ```
 */
export function spectrogramPng(s: Spectrogram): Buffer {
  const rgb = new Uint8Array(s.columns * s.rows * 3);
  for (let row = 0; row < s.rows; row++) {
    const y = s.rows - 1 - row;
    for (let c = 0; c < s.columns; c++) {
      const db = s.decibels[row * s.columns + c] as number;
      const colour = rampColour((db - SPECTROGRAM_FLOOR_DB) / -SPECTROGRAM_FLOOR_DB);
      rgb.set(colour, (y * s.columns + c) * 3);
    }
  }
  return encodePng(s.columns, s.rows, rgb);
}
