import { hannWindow, powerSpectrum } from './power-spectrum.js';

/** Options of {@link spectrogram}; every field has a default. */
export interface SpectrogramOptions {
  /** Time columns, spread evenly over the signal. Default 800. */
  readonly columns?: number;
  /** Frequency rows, row 0 the lowest. Default 256. */
  readonly rows?: number;
  /** FFT frame size, a power of two. Default 2048 (64 ms at 32 kHz, 15.6 Hz per bin). */
  readonly frameSize?: number;
  /** Frequency of the top row's upper edge. Default: half the sample rate. */
  readonly maxHz?: number;
  /** How rows divide the frequencies: `mel` (more rows for low notes, as we hear) or `linear`. Default `mel`. */
  readonly scale?: 'mel' | 'linear';
  /** The lowest level kept, in dB relative to a full-scale sine. Default -120. */
  readonly floorDb?: number;
}

/** A spectrogram laid out for an image: `rows × columns` levels in dB. */
export interface Spectrogram {
  readonly rows: number;
  readonly columns: number;
  /** The centre frequency of each row, in Hz, row 0 the lowest. */
  readonly rowHz: Float64Array;
  /** The centre time of each column, in seconds. */
  readonly columnSeconds: Float64Array;
  /**
   * Level of row `r` in column `c` at `decibels[r * columns + c]`: the strongest FFT bin in the row's
   * band, in dB relative to a full-scale sine (a sine of amplitude 1 reads about 0 dB), at least `floorDb`.
   */
  readonly decibels: Float32Array;
}

const mel = (hz: number) => 2595 * Math.log10(1 + hz / 700);
const hzOfMel = (m: number) => 700 * (10 ** (m / 2595) - 1);

/**
 * A short-time power spectrum of mono audio, sampled for display: `columns` Hann-windowed frames
 * centred evenly over the signal (zero-padded at the ends), each reduced to `rows` bands between 0 Hz
 * and `maxHz` on a mel or linear scale, a band taking its strongest bin (a band narrower than a bin takes
 * the bin nearest its centre). A pure tone is one bright row at its frequency.
 *
 * @example
 * ```ts
 * const s = spectrogram(samples, 32000, { columns: 400, rows: 128 });
 * s.decibels[r * s.columns + c]; // level of band r (around s.rowHz[r] Hz) at s.columnSeconds[c] s
 * ```
 */
export function spectrogram(
  samples: Float32Array,
  sampleRate: number,
  options: SpectrogramOptions = {},
): Spectrogram {
  const {
    columns = 800,
    rows = 256,
    frameSize = 2048,
    maxHz = sampleRate / 2,
    scale = 'mel',
    floorDb = -120,
  } = options;
  for (const [name, value] of [
    ['columns', columns],
    ['rows', rows],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 10_000) {
      throw new RangeError(
        `Cannot compute a spectrogram as '${name}' must be an integer from 1 to 10000: current value is ${value}`,
      );
    }
  }
  if (!(maxHz > 0 && maxHz <= sampleRate / 2)) {
    throw new RangeError(
      `Cannot compute a spectrogram as 'maxHz' must be above 0 and at most half the sample rate (${sampleRate / 2}): current value is ${maxHz}`,
    );
  }
  const window = hannWindow(frameSize); // throws for a size that is not a power of two
  const binHz = sampleRate / frameSize;
  const bins = frameSize / 2 + 1;
  // A full-scale sine's peak bin holds (Σw / 2)²: that is 0 dB.
  const reference = (window.reduce((sum, w) => sum + w, 0) / 2) ** 2;

  const toScale = scale === 'mel' ? mel : (hz: number) => hz;
  const fromScale = scale === 'mel' ? hzOfMel : (x: number) => x;
  const top = toScale(maxHz);
  const rowHz = new Float64Array(rows);
  const firstBin = new Int32Array(rows);
  const lastBin = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const low = fromScale((top * r) / rows);
    const high = fromScale((top * (r + 1)) / rows);
    rowHz[r] = fromScale((top * (r + 0.5)) / rows);
    let first = Math.ceil(low / binHz);
    let last = Math.min(bins - 1, Math.ceil(high / binHz) - 1);
    if (last < first) first = last = Math.min(bins - 1, Math.round((rowHz[r] as number) / binHz));
    firstBin[r] = first;
    lastBin[r] = last;
  }

  const n = samples.length;
  const columnSeconds = new Float64Array(columns);
  const decibels = new Float32Array(rows * columns);
  const frame = new Float32Array(frameSize);
  for (let c = 0; c < columns; c++) {
    const centre = ((c + 0.5) * n) / columns;
    columnSeconds[c] = centre / sampleRate;
    const start = Math.round(centre) - frameSize / 2;
    for (let i = 0; i < frameSize; i++) {
      const at = start + i;
      frame[i] = at >= 0 && at < n ? (samples[at] as number) : 0;
    }
    const power = powerSpectrum(frame, window);
    for (let r = 0; r < rows; r++) {
      let strongest = 0;
      for (let b = firstBin[r] as number; b <= (lastBin[r] as number); b++) {
        strongest = Math.max(strongest, power[b] as number);
      }
      const db = strongest > 0 ? 10 * Math.log10(strongest / reference) : floorDb;
      decibels[r * columns + c] = Math.max(floorDb, db);
    }
  }
  return { rows, columns, rowHz, columnSeconds, decibels };
}
