import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AUDIO_METADATA_NAMES, StoreError, type ObjectStore } from '@musicgen/store';
import { decodeWav, monoMix, spectrogram, waveformPeaks } from '@musicgen/wav';
import { spectrogramPng } from './spectrogram-image.js';

/** Columns of the waveform and the spectrogram; rows of the spectrogram. */
export const MEDIA_COLUMNS = 800;
export const SPECTROGRAM_ROWS = 120;
/** WAVs larger than this are not drawn (about 70 minutes of 16-bit mono at 32 kHz). */
export const MAX_DRAWN_WAV_BYTES = 256 * 1024 * 1024;
/** Part of every cache name: bump it when the drawings change, so old ones are not served. */
const DRAWING_VERSION = 'v1';

/**
 * Where drawings are cached by default: `$XDG_CACHE_HOME/musicgen-monitor/page` (else
 * `~/.cache/...`; `%LOCALAPPDATA%\musicgen-monitor\page` on Windows). Never in the store.
 */
export function defaultPageCache(env: Readonly<Record<string, string | undefined>>): string {
  if (process.platform === 'win32' && env['LOCALAPPDATA'])
    return join(env['LOCALAPPDATA'], 'musicgen-monitor', 'page');
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'musicgen-monitor', 'page');
}

/** A drawing of a WAV: the waveform (JSON) or the spectrogram (PNG). */
export type DrawingKind = 'waveform' | 'spectrogram';

/**
 * Draws the WAVs of a store for the page: a waveform outline (`waveformPeaks`, JSON) and a spectrogram
 * image (`spectrogram`, PNG), both from one read of the WAV, computed on first request and cached in a
 * local folder (never in the store) under a name made of the store location, the key and what identifies
 * the object's content (size, identity hash, rendering), so a replaced WAV is drawn again. Requests for a
 * drawing being computed share the work.
 *
 * @example
 * ```ts
 * const media = new TrackMedia({ store, cacheDir: defaultPageCache(process.env) });
 * const png = await media.drawing('calm_1a2b3c4d.wav', 'spectrogram');
 * ```
 */
export class TrackMedia {
  readonly #store: ObjectStore;
  readonly #cacheDir: string;
  readonly #pending = new Map<string, Promise<void>>();

  constructor(options: { store: ObjectStore; cacheDir: string }) {
    this.#store = options.store;
    this.#cacheDir = options.cacheDir;
  }

  /**
   * The drawing of `key`: from the cache, else computed and cached. A `StoreError` `NOT_FOUND` when the
   * store has no such object; a `RangeError` when it is too large to draw or not a WAV this page reads.
   */
  async drawing(key: string, kind: DrawingKind): Promise<Buffer> {
    const info = await this.#store.head(key);
    if (!info) {
      throw new StoreError('NOT_FOUND', `No WAV under ${key} in ${this.#store.location}`);
    }
    if (info.bytes > MAX_DRAWN_WAV_BYTES) {
      throw new RangeError(
        `Cannot draw ${key} as it has ${info.bytes} bytes, more than the ${MAX_DRAWN_WAV_BYTES} this page draws`,
      );
    }
    const names = AUDIO_METADATA_NAMES;
    const identity = [
      DRAWING_VERSION,
      this.#store.location,
      key,
      info.bytes,
      info.metadata[names.identityHash] ?? '',
      info.metadata[names.format] ?? '',
      info.metadata[names.normalize] ?? '',
    ];
    const base = createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32);
    const path = (k: DrawingKind) => join(this.#cacheDir, `${base}.${k === 'waveform' ? 'json' : 'png'}`);
    const cached = await readFile(path(kind)).catch(() => undefined);
    if (cached) return cached;
    let pending = this.#pending.get(base);
    if (!pending) {
      pending = this.#draw(key, path).finally(() => this.#pending.delete(base));
      this.#pending.set(base, pending);
    }
    await pending;
    return readFile(path(kind));
  }

  async #draw(key: string, path: (kind: DrawingKind) => string): Promise<void> {
    const object = await this.#store.get(key);
    const bytes = Buffer.concat(await object.body.toArray());
    let decoded;
    try {
      decoded = decodeWav(bytes);
    } catch (error) {
      throw new RangeError(`Cannot draw ${key}: ${(error as Error).message}`);
    }
    const mono = monoMix(decoded.channels);
    const peaks = waveformPeaks(mono, MEDIA_COLUMNS);
    const round = (x: number) => Math.round(x * 1000) / 1000;
    const waveform = {
      seconds: decoded.frames / decoded.sampleRate,
      sampleRate: decoded.sampleRate,
      columns: peaks.columns,
      min: Array.from(peaks.min, round),
      max: Array.from(peaks.max, round),
    };
    const image = spectrogramPng(
      spectrogram(mono, decoded.sampleRate, { columns: MEDIA_COLUMNS, rows: SPECTROGRAM_ROWS }),
    );
    await mkdir(this.#cacheDir, { recursive: true });
    await writeAtomically(path('waveform'), Buffer.from(JSON.stringify(waveform)));
    await writeAtomically(path('spectrogram'), image);
  }
}

async function writeAtomically(path: string, body: Buffer): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, body);
  await rename(temporary, path);
}
