import {
  CODE_MAX,
  CODE_MIN,
  GENERATION_DEFAULTS,
  LM_TENSORS,
  MAX_TOTAL_FRAMES,
  MUSICGEN_LM_CONTRACT,
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
  for (let i = 0; i < promptCodes.length; i++) {
    const value = promptCodes[i] as number;
    if (value < CODE_MIN || value > CODE_MAX) {
      throw invalidArgument(
        `PROMPT_CODES value out of range ${CODE_MIN}..${CODE_MAX} at [${Math.floor(i / promptFrames)}, ${i % promptFrames}]: got ${value}`,
      );
    }
  }
  const numFrames = scalar(frames);
  if (!(numFrames >= 1 && numFrames + promptFrames <= MAX_TOTAL_FRAMES)) {
    throw invalidArgument(
      `NUM_FRAMES must be between 1 and ${MAX_TOTAL_FRAMES} - P (P = ${promptFrames} prompt frames): got ${numFrames}`,
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
  const guidanceScale = optionalFloat(
    inputs.get(LM_TENSORS.GUIDANCE_SCALE),
    GENERATION_DEFAULTS.guidanceScale,
  );
  const topK = inputs.has(LM_TENSORS.TOP_K)
    ? scalar(inputs.get(LM_TENSORS.TOP_K) as Tensor)
    : GENERATION_DEFAULTS.topK;
  const topP = optionalFloat(inputs.get(LM_TENSORS.TOP_P), GENERATION_DEFAULTS.topP);
  const temperature = optionalFloat(inputs.get(LM_TENSORS.TEMPERATURE), GENERATION_DEFAULTS.temperature);
  if (!(Number.isFinite(guidanceScale) && guidanceScale >= 0)) {
    throw invalidArgument(`GUIDANCE_SCALE must be a finite number >= 0: got ${formatFloat(guidanceScale)}`);
  }
  if (topK < 0) throw invalidArgument(`TOP_K must be >= 0 (0 disables): got ${topK}`);
  if (!(topP >= 0 && topP <= 1))
    throw invalidArgument(`TOP_P must be between 0 and 1: got ${formatFloat(topP)}`);
  if (!(Number.isFinite(temperature) && temperature >= 0)) {
    throw invalidArgument(
      `TEMPERATURE must be a finite number >= 0 (0 is greedy): got ${formatFloat(temperature)}`,
    );
  }

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

function optionalFloat(tensor: Tensor | undefined, fallback: number): number {
  return tensor?.datatype === 'FP32' ? (tensor.data[0] as number) : fallback;
}

/** An FP32 value as a person would write it (0.1, not 0.10000000149011612). */
export function formatFloat(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(7))) : String(value);
}
