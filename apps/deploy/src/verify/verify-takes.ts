/** One take of the first-deploy proof: a style, its prompt and its fixed seed. */
export interface VerifyTake {
  readonly style: string;
  readonly prompt: string;
  readonly seed: number;
}

/** Seconds of each take of the proof. */
export const VERIFY_TAKE_SECONDS = 10;

/**
 * The fixed takes `deploy:pod --verify` makes: four styles, 10 s each, fixed seeds, the contract's
 * default sampling, so a later deploy of the same checkpoint makes the same music and its figures can
 * be compared with those recorded before.
 */
export const VERIFY_TAKES: readonly VerifyTake[] = Object.freeze([
  { style: 'piano', prompt: 'calm lofi piano with soft drums, 80 bpm', seed: 1001 },
  {
    style: 'rock',
    prompt: 'energetic rock with distorted electric guitars and live drums, 140 bpm',
    seed: 1002,
  },
  { style: 'orchestral', prompt: 'slow cinematic orchestral strings with french horns', seed: 1003 },
  {
    style: 'electronic',
    prompt: 'upbeat electronic dance track with a deep bass and claps, 124 bpm',
    seed: 1004,
  },
]);
