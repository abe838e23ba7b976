import {
  codesProblem,
  DEFAULT_SAMPLING,
  LM_TENSORS,
  MAX_WINDOW_FRAMES,
  MUSICGEN_LM_CONTRACT,
  SAMPLING_NAMES,
  SAMPLING_TENSORS,
  samplingProblem,
  type SamplingParameters,
} from '@musicgen/contract';
import {
  TRITON_ENABLE_EMPTY_FINAL_RESPONSE,
  type ModelInferRequest,
  type Tensor,
} from '@musicgen/triton-client';
import type { GenerationParams } from './code-generator.js';
import { readInputs } from './read-inputs.js';
import { invalidArgument } from './request-error.js';

/** A checked `musicgen_lm` request. */
export interface LmRequest {
  params: GenerationParams;
  numFrames: number;
  /** The client asked for an empty final response (`triton_enable_empty_final_response`). */
  emptyFinalResponse: boolean;
  /** Outputs to return (all when the request names none). */
  outputs: readonly string[];
}

/**
 * Checks a `musicgen_lm` request against the contract and applies the defaults. Messages name the
 * input and its value, e.g. `NUM_FRAMES must be between 1 and 1500 - P (P = 600 prompt frames): got 1200`.
 *
 * @throws {RequestError} INVALID_ARGUMENT for any bad input.
 */
export function parseLmRequest(request: ModelInferRequest): LmRequest {
  const inputs = readInputs(request, MUSICGEN_LM_CONTRACT, 'P');
  const present = () => `[${[...inputs.keys()].join(', ')}]`;
  const text = inputs.get(LM_TENSORS.TEXT);
  if (!text) throw invalidArgument(`TEXT is required: got inputs ${present()}`);
  const frames = inputs.get(LM_TENSORS.NUM_FRAMES);
  if (!frames) throw invalidArgument(`NUM_FRAMES is required: got inputs ${present()}`);

  const prompt = inputs.get(LM_TENSORS.PROMPT_CODES);
  const promptCodes = prompt?.datatype === 'INT32' ? prompt.data : new Int32Array(0);
  const promptFrames = prompt ? (prompt.shape[1] as number) : 0;
  const codesIssue = codesProblem({ frames: promptFrames, data: promptCodes }, 0);
  if (codesIssue !== undefined) throw invalidArgument(`PROMPT_CODES ${codesIssue}`);
  const numFrames = scalar(frames);
  if (!(numFrames >= 1 && numFrames + promptFrames <= MAX_WINDOW_FRAMES)) {
    throw invalidArgument(
      `NUM_FRAMES must be between 1 and ${MAX_WINDOW_FRAMES} - P (P = ${promptFrames} prompt frames): got ${numFrames}`,
    );
  }

  const bytes = text.datatype === 'BYTES' ? (text.data[0] as Uint8Array) : new Uint8Array(0);
  let prompt_text: string;
  try {
    prompt_text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalidArgument(`TEXT must be UTF-8: got ${bytes.length} bytes that are not`);
  }

  const seedTensor = inputs.get(LM_TENSORS.SEED);
  const seed = seedTensor?.datatype === 'INT64' ? (seedTensor.data[0] as bigint) : 0n;
  const sampling: Record<keyof SamplingParameters, number> = { ...DEFAULT_SAMPLING };
  for (const name of SAMPLING_NAMES) {
    const tensor = inputs.get(SAMPLING_TENSORS[name].name);
    if (tensor === undefined) continue;
    const value = name === 'topK' ? scalar(tensor) : floatScalar(tensor);
    const problem = samplingProblem(name, value);
    if (problem !== undefined) {
      throw invalidArgument(`${SAMPLING_TENSORS[name].name} ${problem}: got ${formatFloat(value)}`);
    }
    sampling[name] = value;
  }
  const { guidance: guidanceScale, topK, topP, temperature } = sampling;

  const outputNames = MUSICGEN_LM_CONTRACT.outputs.map((t) => t.name);
  const requested = (request.outputs ?? []).map((o) => o.name);
  for (const name of requested) {
    if (!outputNames.includes(name)) {
      throw invalidArgument(
        `unknown output for model 'musicgen_lm' (outputs: ${outputNames.join(', ')}): got '${name}'`,
      );
    }
  }
  const flag = request.parameters?.[TRITON_ENABLE_EMPTY_FINAL_RESPONSE];
  return {
    params: { text: prompt_text, promptCodes, promptFrames, seed, guidanceScale, topK, topP, temperature },
    numFrames,
    emptyFinalResponse: flag?.bool_param === true,
    outputs: requested.length > 0 ? requested : outputNames,
  };
}

function scalar(tensor: Tensor): number {
  return tensor.datatype === 'INT32' ? (tensor.data[0] as number) : NaN;
}

function floatScalar(tensor: Tensor): number {
  return tensor.datatype === 'FP32' ? (tensor.data[0] as number) : NaN;
}

/** An FP32 value as a person would write it (0.1, not 0.10000000149011612). */
export function formatFloat(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(7))) : String(value);
}
