import { CODEBOOKS, type ServerFacts } from '@musicgen/contract';
import { startPreviewEngineWith, type PreviewEngine, type PreviewEngineOptions } from '../preview-engine.js';

/** Options of {@link startPreviewDouble}: the engine's own, and the seeds whose takes go wrong. */
export interface PreviewDoubleOptions extends PreviewEngineOptions {
  /** Seeds (of a window) whose audio comes out as digital silence. */
  readonly silentSeeds?: readonly number[];
  /** Seeds whose audio comes out as white noise (uniform, peak 0.25). */
  readonly noiseSeeds?: readonly number[];
  /** Replaces the facts the engine publishes (to stand in for a GPU server's, for example). */
  readonly facts?: (facts: ServerFacts) => ServerFacts;
}

/** Codes that mark a window's take as silent or noise; the engine's music never has a chunk of one value. */
const SILENT_CODE = 0;
const NOISE_CODE = 1;

/**
 * A preview engine that makes bad takes on purpose, for tests of what catches them: a window generated
 * with one of `silentSeeds` decodes to silence, one of `noiseSeeds` to white noise, every other seed to
 * the engine's usual music; `facts` replaces what it publishes (to pose as a GPU server). It marks such windows by streaming codes of a single value and decodes a
 * code sequence of that value accordingly, so use jobs of one window (up to 30 s), whose window seed is
 * the job's seed.
 *
 * @example
 * ```ts
 * const engine = await startPreviewDouble({ silentSeeds: [7] });
 * // a job of seed 7 gets silence; re-rolled with seed 8 it gets music
 * await engine.close();
 * ```
 */
export function startPreviewDouble(options: PreviewDoubleOptions = {}): Promise<PreviewEngine> {
  const { silentSeeds = [], noiseSeeds = [], facts, ...engine } = options;
  const silent = new Set(silentSeeds.map(BigInt));
  const noise = new Set(noiseSeeds.map(BigInt));
  return startPreviewEngineWith(engine, {
    ...(facts ? { facts } : {}),
    codes: (seed, codes) => {
      if (silent.has(seed)) return new Int32Array(codes.length).fill(SILENT_CODE);
      if (noise.has(seed)) return new Int32Array(codes.length).fill(NOISE_CODE);
      return codes;
    },
    audio: (codes, frames, audio) => {
      if (frames === 0 || codes.length !== CODEBOOKS * frames) return audio;
      const value = codes[0] as number;
      if (value !== SILENT_CODE && value !== NOISE_CODE) return audio;
      if (!codes.every((code) => code === value)) return audio;
      if (value === SILENT_CODE) return new Float32Array(audio.length);
      const out = new Float32Array(audio.length);
      let state = 0x2545f491;
      for (let i = 0; i < out.length; i++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        out[i] = ((state >>> 0) / 0xffffffff - 0.5) * 0.5;
      }
      return out;
    },
  });
}
