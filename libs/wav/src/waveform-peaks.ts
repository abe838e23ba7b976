/** The outline of a signal for drawing: per column, its lowest and highest sample. */
export interface WaveformPeaks {
  readonly columns: number;
  readonly min: Float32Array;
  readonly max: Float32Array;
}

/**
 * The lowest and highest sample in each of `columns` equal stretches of the signal, to draw a waveform
 * at any width without sending the audio. Column `c` covers samples `⌊c·n/columns⌋` up to (not
 * including) `⌊(c+1)·n/columns⌋`; a column narrower than a sample takes the sample it falls on; an empty
 * signal gives zeros.
 *
 * @example
 * ```ts
 * const { min, max } = waveformPeaks(samples, 800);
 * // draw a vertical line from min[c] to max[c] at x = c
 * ```
 */
export function waveformPeaks(samples: Float32Array, columns: number): WaveformPeaks {
  if (!Number.isInteger(columns) || columns < 1 || columns > 100_000) {
    throw new RangeError(
      `Cannot compute waveform peaks as 'columns' must be an integer from 1 to 100000: current value is ${columns}`,
    );
  }
  const n = samples.length;
  const min = new Float32Array(columns);
  const max = new Float32Array(columns);
  if (n === 0) return { columns, min, max };
  for (let c = 0; c < columns; c++) {
    const start = Math.floor((c * n) / columns);
    const end = Math.max(start + 1, Math.floor(((c + 1) * n) / columns));
    let low = Infinity;
    let high = -Infinity;
    for (let i = start; i < end; i++) {
      const x = samples[i] as number;
      if (x < low) low = x;
      if (x > high) high = x;
    }
    min[c] = low;
    max[c] = high;
  }
  return { columns, min, max };
}

/**
 * The mono mix of one or more channels (their mean), for measures and drawings of the whole signal. One
 * channel is returned as it is.
 *
 * @example
 * ```ts
 * const mono = monoMix(decodeWav(bytes).channels);
 * ```
 */
export function monoMix(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0] as Float32Array;
  const length = Math.min(...channels.map((c) => c.length));
  const mono = new Float32Array(length);
  for (const channel of channels)
    for (let i = 0; i < length; i++) mono[i] = (mono[i] as number) + (channel[i] as number);
  for (let i = 0; i < length; i++) mono[i] = (mono[i] as number) / channels.length;
  return mono;
}
