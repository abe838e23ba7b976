import type { DataType } from '../tensor/datatype.js';

/**
 * The MusicGen model contract (v1) served through Triton: model names, tensor names, datatypes,
 * shapes, defaults and limits. This file is the single source of truth for the TypeScript side; the
 * contract test holds `infra/triton/model_repository/*\/config.pbtxt` to it, and the preview engine
 * serves it.
 *
 * Codes are EnCodec tokens: {@link CODEBOOKS} codebooks, values {@link CODE_MIN}..{@link CODE_MAX},
 * {@link FRAME_RATE_HZ} frames per second, laid out codebook-major `[4, frames]` without the delay
 * pattern.
 *
 * @module
 */

/** Name of the decoupled (streaming) language model that turns text into codes. */
export const MUSICGEN_LM = 'musicgen_lm';
/** Name of the model that turns codes into audio. */
export const ENCODEC_DECODE = 'encodec_decode';

/** Codebooks per frame. */
export const CODEBOOKS = 4;
/** Smallest valid code value. */
export const CODE_MIN = 0;
/** Largest valid code value (codebook size 2048). */
export const CODE_MAX = 2047;
/** Code frames per second of audio. */
export const FRAME_RATE_HZ = 50;
/** Audio samples per code frame. */
export const SAMPLES_PER_FRAME = 640;
/** Audio sample rate in Hz (mono). */
export const SAMPLE_RATE_HZ = 32_000;
/** Largest NUM_FRAMES + prompt frames in one `musicgen_lm` request (30 s). */
export const MAX_TOTAL_FRAMES = 1500;
/** A dimension of any size, as model configs and metadata write it. */
export const VARIABLE_DIM = -1;
/** Model-config parameter of `encodec_decode` giving the largest T it accepts in one request. */
export const MAX_FRAMES_PARAMETER = 'max_frames';

/** Default sampling settings the server applies when an optional input is absent. */
export const GENERATION_DEFAULTS = Object.freeze({
  /** Classifier-free guidance; 1.0 disables the unconditional pass. */
  guidanceScale: 3.0,
  /** Top-k sampling; 0 disables. */
  topK: 250,
  /** Nucleus sampling; 0 disables, and when > 0 it takes precedence over top-k. */
  topP: 0.0,
  /** Sampling temperature; 0 means greedy. */
  temperature: 1.0,
});

/** Tensor names of `musicgen_lm`. */
export const LM_TENSORS = Object.freeze({
  TEXT: 'TEXT',
  NUM_FRAMES: 'NUM_FRAMES',
  PROMPT_CODES: 'PROMPT_CODES',
  SEED: 'SEED',
  GUIDANCE_SCALE: 'GUIDANCE_SCALE',
  TOP_K: 'TOP_K',
  TOP_P: 'TOP_P',
  TEMPERATURE: 'TEMPERATURE',
  CODES: 'CODES',
  FRAMES_DONE: 'FRAMES_DONE',
});

/** Tensor names of `encodec_decode`. */
export const DECODE_TENSORS = Object.freeze({ CODES: 'CODES', AUDIO: 'AUDIO' });

/** One tensor of the contract; {@link VARIABLE_DIM} marks a dimension of any size. */
export interface ContractTensor {
  readonly name: string;
  readonly datatype: DataType;
  /** Full shape as sent on the wire (no implicit batch dimension). */
  readonly shape: readonly number[];
  readonly optional: boolean;
}

/** One model of the contract. */
export interface ContractModel {
  readonly name: string;
  /**
   * Required `max_batch_size` of the model config, or `null` when the deployment may choose: with
   * `max_batch_size > 0` the leading dimension (always 1 in the contract) becomes the batch dimension.
   */
  readonly maxBatchSize: number | null;
  /** Whether the model is decoupled (0..N responses per request, served on ModelStreamInfer only). */
  readonly decoupled: boolean;
  readonly inputs: readonly ContractTensor[];
  readonly outputs: readonly ContractTensor[];
  /** Model-config parameters a deployment must publish. */
  readonly parameters: readonly string[];
}

const V = VARIABLE_DIM;

function tensor(name: string, datatype: DataType, shape: number[], optional = false): ContractTensor {
  return Object.freeze({ name, datatype, shape: Object.freeze(shape), optional });
}

/**
 * `musicgen_lm`: one request is one prompt window; responses stream CODES `[4, n]` (frames completed
 * since the previous response) and FRAMES_DONE until the response flagged `triton_final_response`.
 *
 * @example
 * ```ts
 * MUSICGEN_LM_CONTRACT.inputs.find((t) => t.name === 'PROMPT_CODES');
 * // { name: 'PROMPT_CODES', datatype: 'INT32', shape: [4, -1], optional: true }
 * ```
 */
export const MUSICGEN_LM_CONTRACT: ContractModel = Object.freeze({
  name: MUSICGEN_LM,
  maxBatchSize: 0,
  decoupled: true,
  inputs: Object.freeze([
    tensor(LM_TENSORS.TEXT, 'BYTES', [1]),
    tensor(LM_TENSORS.NUM_FRAMES, 'INT32', [1]),
    tensor(LM_TENSORS.PROMPT_CODES, 'INT32', [CODEBOOKS, V], true),
    tensor(LM_TENSORS.SEED, 'INT64', [1], true),
    tensor(LM_TENSORS.GUIDANCE_SCALE, 'FP32', [1], true),
    tensor(LM_TENSORS.TOP_K, 'INT32', [1], true),
    tensor(LM_TENSORS.TOP_P, 'FP32', [1], true),
    tensor(LM_TENSORS.TEMPERATURE, 'FP32', [1], true),
  ]),
  outputs: Object.freeze([
    tensor(LM_TENSORS.CODES, 'INT32', [CODEBOOKS, V]),
    tensor(LM_TENSORS.FRAMES_DONE, 'INT32', [1]),
  ]),
  parameters: Object.freeze([]),
});

/**
 * `encodec_decode`: CODES `[1, 4, T]` INT32 to AUDIO `[1, T × 640]` FP32, mono 32 kHz. The largest T
 * is published as the config parameter {@link MAX_FRAMES_PARAMETER}.
 */
export const ENCODEC_DECODE_CONTRACT: ContractModel = Object.freeze({
  name: ENCODEC_DECODE,
  maxBatchSize: null,
  decoupled: false,
  inputs: Object.freeze([tensor(DECODE_TENSORS.CODES, 'INT32', [1, CODEBOOKS, V])]),
  outputs: Object.freeze([tensor(DECODE_TENSORS.AUDIO, 'FP32', [1, V])]),
  parameters: Object.freeze([MAX_FRAMES_PARAMETER]),
});

/** Both models of the contract, by name. */
export const MODEL_CONTRACTS: Readonly<Record<string, ContractModel>> = Object.freeze({
  [MUSICGEN_LM]: MUSICGEN_LM_CONTRACT,
  [ENCODEC_DECODE]: ENCODEC_DECODE_CONTRACT,
});

/**
 * Audio samples produced by decoding a number of frames.
 *
 * @example
 * ```ts
 * samplesForFrames(1500); // 960000 (30 s at 32 kHz)
 * ```
 */
export function samplesForFrames(frames: number): number {
  return frames * SAMPLES_PER_FRAME;
}
