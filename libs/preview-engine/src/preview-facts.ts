import {
  CONTRACT_VERSION,
  INFO_TENSORS,
  MAX_WINDOW_FRAMES,
  MUSICGEN_INFO,
  MUSICGEN_INFO_CONTRACT,
  serverFactsJson,
  type ServerFacts,
} from '@musicgen/contract';
import { encodeRawTensor, type ModelInferRequest, type ModelInferResponse } from '@musicgen/triton-client';
import { MODEL_VERSION, PREVIEW_PLATFORM } from './model-catalog.js';
import { readInputs } from './read-inputs.js';

/** The model id the preview engine reports: never a MusicGen checkpoint's. */
export const PREVIEW_MODEL_ID = 'musicgen-preview';

/** Prompt tokens the preview synthesiser reads (it counts words as tokens: see previewTextTokens). */
const PREVIEW_TEXT_TOKENS = 64;

/**
 * What the preview engine serves, in the terms of the contract's facts: weights `preview`, its own
 * model id, the CPU, and its real capacity.
 *
 * @example
 * ```ts
 * previewFacts({ maxConcurrentRequests: 16, maxQueueSize: 256, maxDecodeFrames: 3000, livenessIntervalMs: 2000 }).lm
 *   ?.weights; // 'preview'
 * ```
 */
export function previewFacts(capacity: {
  maxConcurrentRequests: number;
  maxQueueSize: number;
  maxDecodeFrames: number;
  livenessIntervalMs: number;
}): ServerFacts {
  const served = {
    instances: 1,
    modelId: PREVIEW_MODEL_ID,
    source: PREVIEW_PLATFORM,
    revision: null,
    weights: 'preview' as const,
    device: 'cpu',
    dtypes: {},
  };
  return {
    contract: CONTRACT_VERSION,
    lm: {
      ...served,
      maxConcurrentRequests: capacity.maxConcurrentRequests,
      maxQueueSize: capacity.maxQueueSize,
      maxTextTokens: PREVIEW_TEXT_TOKENS,
      maxTotalFrames: MAX_WINDOW_FRAMES,
      livenessIntervalMs: capacity.livenessIntervalMs,
    },
    decode: { ...served, maxFrames: capacity.maxDecodeFrames, maxBatchSize: 1 },
  };
}

/** The `musicgen_info` response carrying `facts` (the request must have no inputs). */
export function factsResponse(request: ModelInferRequest, facts: ServerFacts): ModelInferResponse {
  readInputs(request, MUSICGEN_INFO_CONTRACT, '');
  const tensor = {
    name: INFO_TENSORS.FACTS,
    datatype: 'BYTES' as const,
    shape: [1],
    data: [new TextEncoder().encode(serverFactsJson(facts))],
  };
  return {
    model_name: MUSICGEN_INFO,
    model_version: MODEL_VERSION,
    id: request.id ?? '',
    parameters: {},
    outputs: [{ name: tensor.name, datatype: tensor.datatype, shape: tensor.shape }],
    raw_output_contents: [encodeRawTensor(tensor)],
  };
}
