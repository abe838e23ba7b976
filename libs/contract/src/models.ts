import { CODEBOOKS } from './codec.js';
import type { SamplingName } from './sampling.js';

/**
 * The models served through Triton (model contract v1.2, see docs/architecture.md): model names, tensor
 * names, datatypes and shapes. The contract test in `@musicgen/triton-client` holds
 * `infra/triton/model_repository/*\/config.pbtxt` to these, and the preview engine serves them.
 *
 * @module
 */

/** Name of the decoupled (streaming) language model that turns text into codes. */
export const MUSICGEN_LM = 'musicgen_lm';
/** Name of the model that turns codes into audio. */
export const ENCODEC_DECODE = 'encodec_decode';
/** Name of the model that publishes the server's facts (contract v1.1). */
export const MUSICGEN_INFO = 'musicgen_info';

/** The checkpoint jobs are made with unless told otherwise; part of every job's identity. */
export const DEFAULT_MODEL_ID = 'facebook/musicgen-medium';

/** A dimension of any size, as model configs and metadata write it. */
export const VARIABLE_DIM = -1;
/** Model-config parameter of `encodec_decode` giving the largest T it accepts in one request. */
export const MAX_FRAMES_PARAMETER = 'max_frames';

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
  QUEUE_POSITION: 'QUEUE_POSITION',
  TEXT_TOKENS: 'TEXT_TOKENS',
});

/**
 * The `musicgen_lm` input carrying each sampling option, and its datatype.
 *
 * @example
 * ```ts
 * SAMPLING_TENSORS.topK; // { name: 'TOP_K', datatype: 'INT32' }
 * ```
 */
export const SAMPLING_TENSORS: Readonly<
  Record<SamplingName, { readonly name: string; readonly datatype: 'INT32' | 'FP32' }>
> = Object.freeze({
  guidance: Object.freeze({ name: LM_TENSORS.GUIDANCE_SCALE, datatype: 'FP32' }),
  topK: Object.freeze({ name: LM_TENSORS.TOP_K, datatype: 'INT32' }),
  topP: Object.freeze({ name: LM_TENSORS.TOP_P, datatype: 'FP32' }),
  temperature: Object.freeze({ name: LM_TENSORS.TEMPERATURE, datatype: 'FP32' }),
});

/** Tensor names of `encodec_decode`. */
export const DECODE_TENSORS = Object.freeze({ CODES: 'CODES', AUDIO: 'AUDIO' });

/** Tensor names of `musicgen_info`. */
export const INFO_TENSORS = Object.freeze({ FACTS: 'FACTS' });

/** Datatypes the contract uses, as Triton's protocol names them. */
export type ContractDataType = 'BYTES' | 'INT32' | 'INT64' | 'FP32';

/** One tensor of the contract; {@link VARIABLE_DIM} marks a dimension of any size. */
export interface ContractTensor {
  readonly name: string;
  readonly datatype: ContractDataType;
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

function tensor(name: string, datatype: ContractDataType, shape: number[], optional = false): ContractTensor {
  return Object.freeze({ name, datatype, shape: Object.freeze(shape), optional });
}

/**
 * `musicgen_lm`: one request is one prompt window; responses stream CODES `[4, n]` (frames completed
 * since the previous response) and FRAMES_DONE until the response flagged `triton_final_response`.
 * Contract v1.2 adds, on every response, QUEUE_POSITION `[1]` (0 once the request holds a slot, k >= 1
 * while it waits k-th in line) and TEXT_TOKENS `[2]` (the prompt's T5 tokens, and how many the model
 * reads: fewer means it was truncated), and liveness: a response of no frames (CODES `[4, 0]`,
 * FRAMES_DONE unchanged) acknowledges each request at once and follows whenever the server's
 * `liveness_interval_ms` passed without a response.
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
    tensor(LM_TENSORS.QUEUE_POSITION, 'INT32', [1]),
    tensor(LM_TENSORS.TEXT_TOKENS, 'INT32', [2]),
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

/**
 * `musicgen_info` (contract v1.1): a request without inputs is answered with FACTS `[1]`, one UTF-8 JSON
 * document of what the server's models really serve (see `parseServerFacts`).
 */
export const MUSICGEN_INFO_CONTRACT: ContractModel = Object.freeze({
  name: MUSICGEN_INFO,
  maxBatchSize: 0,
  decoupled: false,
  inputs: Object.freeze([]),
  outputs: Object.freeze([tensor(INFO_TENSORS.FACTS, 'BYTES', [1])]),
  parameters: Object.freeze([]),
});

/** Every model of the contract, by name. */
export const MODEL_CONTRACTS: Readonly<Record<string, ContractModel>> = Object.freeze({
  [MUSICGEN_LM]: MUSICGEN_LM_CONTRACT,
  [ENCODEC_DECODE]: ENCODEC_DECODE_CONTRACT,
  [MUSICGEN_INFO]: MUSICGEN_INFO_CONTRACT,
});
