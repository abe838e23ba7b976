import { hash } from 'node:crypto';
import { checkBaseName } from './check-filename.js';
import { SAMPLING_NAMES, samplingProblem, seedProblem } from '@musicgen/contract';
import type { GenerationDefaults } from './generation-parameters.js';

/**
 * Everything that decides the audio of a job: prompt, length, model, sampling parameters and the seed
 * when one was given. Two jobs with equal identities produce the same audio (on the same server build),
 * so they share a key. Without a given seed the job uses {@link deriveSeed}, itself a function of the
 * identity.
 */
export interface JobIdentity extends GenerationDefaults {
  /** The prompt text; NFC-normalised before hashing. */
  readonly prompt: string;
  /** Length in frames at 50 frames/s (an integer >= 1). */
  readonly frames: number;
  /** The seed given for the job (uint32); omit it to use {@link deriveSeed}. */
  readonly seed?: number | undefined;
  /**
   * True when `seed` was derived rather than given: it is then not part of the identity. Parsed
   * `PromptJob`s set it, so `jobKey(job.base, job)` gives back `job.key`.
   */
  readonly seedDerived?: boolean | undefined;
}

/** Version tag: the first element of every canonical encoding. Change it when the encoding changes. */
const IDENTITY_VERSION = 'musicgen-job/v1';
/** Printable ASCII without `"` and `\\`: its JSON string literal is itself in quotes. */
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * The exact text that is hashed for a job's identity: a JSON array of
 * `["musicgen-job/v1", modelId, guidance, topK, topP, temperature, frames, seed, prompt]` where `prompt`
 * is NFC-normalised, numbers are JSON numbers (ECMAScript's shortest round-trip form, so `3` and `3.0`
 * are the same and `-0` is written `0`) and `seed` is the given seed or `null` (no seed, or a derived
 * one). The text is hashed as UTF-8.
 *
 * @example
 * ```ts
 * import { canonicalIdentity, DEFAULT_GENERATION } from '@musicgen/prompts';
 * canonicalIdentity({ ...DEFAULT_GENERATION, prompt: 'calm piano', frames: 1000, seed: 7 });
 * // '["musicgen-job/v1","facebook/musicgen-medium",3,250,0,1,1000,7,"calm piano"]'
 * ```
 *
 * @throws {RangeError} when a field is out of range (see {@link jobKey}).
 */
export function canonicalIdentity(identity: JobIdentity): string {
  checkIdentity('encode job identity', identity);
  const promptLiteral = promptJson(identity.prompt.normalize('NFC'));
  return encodeParts(parametersHead(identity), identity.frames, givenSeed(identity), promptLiteral);
}

/**
 * SHA-256 of {@link canonicalIdentity}, as 64 lowercase hex digits. The store keeps it with each WAV to
 * tell "this exact job is done" from "a file of the same name exists".
 *
 * @example
 * ```ts
 * import { identityHash, DEFAULT_GENERATION } from '@musicgen/prompts';
 * identityHash({ ...DEFAULT_GENERATION, prompt: 'calm piano', frames: 1000 });
 * // 'f571f187f1624de82b2195b7f5a5cd011ce0f2ebf0c6d76c7737f3418fea1b04'
 * ```
 *
 * @throws {RangeError} when a field is out of range (see {@link jobKey}).
 */
export function identityHash(identity: JobIdentity): string {
  checkIdentity('hash job identity', identity);
  return hashOf(identity, givenSeed(identity)).hex;
}

/**
 * The object key of a job: `{base}_{hash8}.wav`, where `hash8` is the first 8 hex digits of
 * {@link identityHash}. `base` is the file name without `.wav` (NFC-normalised here).
 *
 * @example
 * ```ts
 * import { jobKey, DEFAULT_GENERATION } from '@musicgen/prompts';
 * jobKey('piano', { ...DEFAULT_GENERATION, prompt: 'calm piano', frames: 1000 }); // 'piano_f571f187.wav'
 * ```
 *
 * @throws {RangeError} when `base` is not a plain file name or a field is out of range: frames an
 * integer >= 1, guidance and temperature numbers >= 0, topK an integer 0..2048, topP 0..1, seed a uint32.
 */
export function jobKey(base: string, identity: JobIdentity): string {
  const action = 'compute job key';
  const problem = typeof base === 'string' ? checkBaseName(base) : 'must be a string';
  if (problem !== undefined) {
    throw new RangeError(`Cannot ${action}: base ${problem}: got ${JSON.stringify(base)}`);
  }
  checkIdentity(action, identity);
  return keyFromHash(base.normalize('NFC'), hashOf(identity, givenSeed(identity)).hex);
}

/**
 * The seed a job uses when none was given: hex digits 9 to 16 (bytes 4..7, big-endian) of the
 * {@link identityHash} of the identity without a seed, as a uint32 (any `seed` field is ignored).
 * Stable across runs, so a re-run regenerates the same audio. (Digits 1 to 8 are the key's `hash8`.)
 *
 * @example
 * ```ts
 * import { deriveSeed, DEFAULT_GENERATION } from '@musicgen/prompts';
 * deriveSeed({ ...DEFAULT_GENERATION, prompt: 'calm piano', frames: 1000 }); // 4049751528
 * ```
 *
 * @throws {RangeError} when a field is out of range (see {@link jobKey}).
 */
export function deriveSeed(identity: JobIdentity): number {
  checkIdentity('derive seed', { ...identity, seed: undefined });
  return hashOf(identity, undefined).seed;
}

/**
 * The canonical encoding up to the frames:
 * `["musicgen-job/v1",<modelId>,<guidance>,<topK>,<topP>,<temperature>,`. Numbers are written with
 * `String(n)`, which for finite numbers is exactly JSON's form.
 */
export function parametersHead(parameters: GenerationDefaults): string {
  return (
    `["${IDENTITY_VERSION}",${JSON.stringify(parameters.modelId)},` +
    `${parameters.guidance},${parameters.topK},${parameters.topP},${parameters.temperature},`
  );
}

/** True for printable ASCII without `"` and `\\`: NFC already, and its JSON literal is itself in quotes. */
export function isPlainAscii(text: string): boolean {
  return PLAIN_ASCII.test(text);
}

/** The JSON string literal of an already NFC-normalised prompt. */
export function promptJson(nfcPrompt: string, plain = isPlainAscii(nfcPrompt)): string {
  return plain ? `"${nfcPrompt}"` : JSON.stringify(nfcPrompt);
}

/** The identity hash of the canonical parts, and the seed to use (the given one or the derived one). */
export function seededHash(
  head: string,
  frames: number,
  seed: number | undefined,
  promptLiteral: string,
): { seed: number; hex: string } {
  const hex = hash('sha256', encodeParts(head, frames, seed, promptLiteral), 'hex');
  return { seed: seed ?? Number.parseInt(hex.slice(8, 16), 16), hex };
}

function encodeParts(head: string, frames: number, seed: number | undefined, promptLiteral: string): string {
  return `${head}${frames},${seed ?? null},${promptLiteral}]`;
}

function hashOf(identity: JobIdentity, seed: number | undefined): { seed: number; hex: string } {
  const promptLiteral = promptJson(identity.prompt.normalize('NFC'));
  return seededHash(parametersHead(identity), identity.frames, seed, promptLiteral);
}

function givenSeed(identity: JobIdentity): number | undefined {
  return identity.seedDerived === true ? undefined : identity.seed;
}

/**
 * `{base}_{hash8}.wav` from an identity hash. Built with `join`, which makes one flat string: a template
 * literal would leave a chain of string pieces in every job, and each piece costs the garbage collector.
 */
export function keyFromHash(base: string, identityHex: string): string {
  return [base, '_', identityHex.slice(0, 8), '.wav'].join('');
}

function checkIdentity(action: string, identity: JobIdentity): void {
  const fail = (field: string, reason: string, value: unknown): never => {
    const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
    throw new RangeError(`Cannot ${action}: ${field} ${reason}: got ${shown}`);
  };
  if (typeof identity.prompt !== 'string') fail('prompt', 'must be a string', identity.prompt);
  if (typeof identity.modelId !== 'string' || identity.modelId.trim() === '') {
    fail('modelId', 'must be a non-empty string', identity.modelId);
  }
  if (!Number.isSafeInteger(identity.frames) || identity.frames < 1) {
    fail('frames', 'must be an integer >= 1', identity.frames);
  }
  for (const field of SAMPLING_NAMES) {
    const reason = samplingProblem(field, identity[field]);
    if (reason !== undefined) fail(field, reason, identity[field]);
  }
  const seed = givenSeed(identity);
  if (seed !== undefined) {
    const reason = seedProblem(seed);
    if (reason !== undefined) fail('seed', reason, seed);
  }
}
