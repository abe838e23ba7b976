import { status } from '@grpc/grpc-js';
import type { InferParameter, ModelInferRequest, ModelInferResponse } from '../grpc/messages.js';
import { TRITON_ENABLE_EMPTY_FINAL_RESPONSE, TRITON_FINAL_RESPONSE } from '../grpc/reserved-parameters.js';
import {
  CODEBOOKS,
  CODEBOOK_SIZE,
  copyCodeFrames,
  ENCODEC_DECODE_CONTRACT,
  INFO_TENSORS,
  MUSICGEN_INFO_CONTRACT,
  serverFactsJson,
  tagError,
  MAX_FRAMES_PARAMETER,
  MUSICGEN_LM_CONTRACT,
  SAMPLES_PER_FRAME,
  type ContractModel,
  type ServerFacts,
} from '@musicgen/contract';
import type { Tensor } from '../tensor/datatype.js';
import { encodeRawTensor } from '../tensor/encode-raw-tensor.js';
import { readInputs } from './read-inputs.js';
import { RpcStatusError } from '../server/rpc-status-error.js';
import type { ScriptedModel } from './test-triton-server.js';

/** TEXT values that make {@link fakeMusicgenLm} misbehave on purpose. */
export const FAKE_LM_FAULTS = Object.freeze({
  /** Sends the first chunk, then an `error_message` for this request only. */
  FAIL: '<fail>',
  /** Sends CODES whose raw bytes are 4 bytes short of their shape. */
  CORRUPT: '<corrupt>',
  /** Never answers. */
  HANG: '<hang>',
  /** Answers at once with an `error_message` tagged `[INVALID_ARG]`, as a model of contract v1.1 does. */
  INVALID: '<invalid>',
});

/** Options of {@link fakeMusicgenLm}. */
export interface FakeMusicgenLmOptions {
  /** Frames per progress response. Default 50. */
  readonly chunkFrames?: number;
  /** Wait before each response, in ms. Default 0 (answer at once). */
  readonly delayMs?: number;
}

/**
 * The code the fake LM emits for (seed, codebook, frame): a documented, trivially checkable formula.
 *
 * @example
 * ```ts
 * fakeCode(0n, 1, 2); // 117
 * ```
 */
export function fakeCode(seed: bigint, codebook: number, frame: number): number {
  return (Number(BigInt.asUintN(11, seed)) * 7 + (frame * CODEBOOKS + codebook) * 13) % CODEBOOK_SIZE;
}

/** Codes `[4, frames]` (codebook-major) the fake LM produces for a seed. */
export function fakeCodes(seed: bigint, frames: number): Int32Array {
  const codes = new Int32Array(CODEBOOKS * frames);
  for (let c = 0; c < CODEBOOKS; c++)
    for (let f = 0; f < frames; f++) codes[c * frames + f] = fakeCode(seed, c, f);
  return codes;
}

/**
 * A scripted `musicgen_lm`: streams CODES in chunks of `chunkFrames` with FRAMES_DONE, then the empty
 * final response when asked for, like a decoupled Triton model. Codes follow {@link fakeCode}.
 */
export function fakeMusicgenLm(options: FakeMusicgenLmOptions = {}): ScriptedModel {
  const { chunkFrames = 50, delayMs = 0 } = options;
  return {
    metadata: metadataOf(MUSICGEN_LM_CONTRACT),
    config: configOf(MUSICGEN_LM_CONTRACT, {}),
    stream: async (request, send) => {
      const inputs = readInputs(request);
      const text = new TextDecoder().decode((inputs['TEXT']?.data as Uint8Array[] | undefined)?.[0]);
      const frames = (inputs['NUM_FRAMES']?.data as Int32Array | undefined)?.[0] ?? 0;
      const seed = (inputs['SEED']?.data as BigInt64Array | undefined)?.[0] ?? 0n;
      if (text === FAKE_LM_FAULTS.HANG) return new Promise<void>(() => undefined);
      if (text === FAKE_LM_FAULTS.INVALID) {
        throw new Error(
          tagError('INVALID_ARG', `Cannot accept request as TEXT '${text}' asks to be refused`),
        );
      }
      const all = fakeCodes(seed, frames);
      const emptyFinal = request.parameters?.[TRITON_ENABLE_EMPTY_FINAL_RESPONSE]?.bool_param === true;
      for (let done = 0; done < frames;) {
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        const n = Math.min(chunkFrames, frames - done);
        const chunk = new Int32Array(CODEBOOKS * n);
        copyCodeFrames(all, frames, done, chunk, n, 0, n);
        done += n;
        const codes: Tensor = { name: 'CODES', datatype: 'INT32', shape: [CODEBOOKS, n], data: chunk };
        const progress: Tensor = {
          name: 'FRAMES_DONE',
          datatype: 'INT32',
          shape: [1],
          data: Int32Array.of(done),
        };
        const response = responseFor(request, [codes, progress], !emptyFinal && done === frames);
        if (text === FAKE_LM_FAULTS.CORRUPT) {
          const raw = response.raw_output_contents as Uint8Array[];
          raw[0] = (raw[0] as Uint8Array).subarray(4);
        }
        send({ error_message: '', infer_response: response });
        if (text === FAKE_LM_FAULTS.FAIL)
          throw new Error(`TEXT '${FAKE_LM_FAULTS.FAIL}' asks this request to fail`);
      }
      if (emptyFinal) send({ error_message: '', infer_response: responseFor(request, [], true) });
    },
  };
}

/**
 * A scripted `musicgen_info` answering every request with `facts` as its FACTS document (a string is
 * sent as it is, to script malformed documents).
 */
export function fakeMusicgenInfo(facts: ServerFacts | string): ScriptedModel {
  const text = typeof facts === 'string' ? facts : serverFactsJson(facts);
  return {
    metadata: metadataOf(MUSICGEN_INFO_CONTRACT),
    config: configOf(MUSICGEN_INFO_CONTRACT, {}),
    infer: (request) => {
      const tensor: Tensor = {
        name: INFO_TENSORS.FACTS,
        datatype: 'BYTES',
        shape: [1],
        data: [new TextEncoder().encode(text)],
      };
      return responseFor(request, [tensor]);
    },
  };
}

/** Options of {@link fakeEncodecDecode}. */
export interface FakeEncodecDecodeOptions {
  /** Largest T accepted, published as the `max_frames` config parameter. Default 3000. */
  readonly maxFrames?: number;
}

/**
 * The audio the fake decoder produces: sample `j` of frame `f` is `code0 / 4096 + j / 1e6` where
 * `code0` is codebook 0's code at frame `f`, so any frame range decodes the same alone or in context.
 */
export function fakeAudio(codes: Int32Array, frames: number): Float32Array {
  const audio = new Float32Array(frames * SAMPLES_PER_FRAME);
  for (let f = 0; f < frames; f++) {
    const base = (codes[f] as number) / 4096;
    for (let j = 0; j < SAMPLES_PER_FRAME; j++) audio[f * SAMPLES_PER_FRAME + j] = base + j / 1e6;
  }
  return audio;
}

/** A scripted unary `encodec_decode` following {@link fakeAudio}, rejecting T above `maxFrames`. */
export function fakeEncodecDecode(options: FakeEncodecDecodeOptions = {}): ScriptedModel {
  const { maxFrames = 3000 } = options;
  return {
    metadata: metadataOf(ENCODEC_DECODE_CONTRACT),
    config: configOf(ENCODEC_DECODE_CONTRACT, {
      [MAX_FRAMES_PARAMETER]: { string_value: String(maxFrames) },
    }),
    infer: (request) => {
      const codes = readInputs(request)['CODES'];
      if (codes === undefined || codes.datatype !== 'INT32') {
        throw new RpcStatusError(status.INVALID_ARGUMENT, 'CODES must be an INT32 input');
      }
      const frames = codes.shape[2] ?? 0;
      if (frames > maxFrames) {
        throw new RpcStatusError(
          status.INVALID_ARGUMENT,
          `CODES must have at most ${maxFrames} frames: got ${frames}`,
        );
      }
      const audio = fakeAudio(codes.data, frames);
      return responseFor(request, [
        { name: 'AUDIO', datatype: 'FP32', shape: [1, audio.length], data: audio },
      ]);
    },
  };
}

/** Builds a response to `request` with raw outputs and, when `final` is given, the final-response flag. */
export function responseFor(
  request: ModelInferRequest,
  outputs: Tensor[],
  final?: boolean,
): ModelInferResponse {
  const parameters: Record<string, InferParameter> = {};
  if (final !== undefined) parameters[TRITON_FINAL_RESPONSE] = { bool_param: final };
  return {
    model_name: request.model_name,
    model_version: '1',
    id: request.id ?? '',
    parameters,
    outputs: outputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: [...t.shape] })),
    raw_output_contents: outputs.map(encodeRawTensor),
  };
}

function metadataOf(contract: ContractModel) {
  const tensor = (t: ContractModel['inputs'][number]) => ({
    name: t.name,
    datatype: t.datatype,
    shape: [...t.shape],
  });
  return {
    name: contract.name,
    versions: ['1'],
    platform: 'scripted',
    inputs: contract.inputs.map(tensor),
    outputs: contract.outputs.map(tensor),
  };
}

function configOf(contract: ContractModel, parameters: Record<string, { string_value: string }>) {
  const type = (d: string) => (d === 'BYTES' ? 'TYPE_STRING' : `TYPE_${d}`) as 'TYPE_INT32';
  return {
    name: contract.name,
    backend: 'scripted',
    max_batch_size: contract.maxBatchSize ?? 0,
    input: contract.inputs.map((t) => ({
      name: t.name,
      data_type: type(t.datatype),
      dims: [...t.shape],
      optional: t.optional,
    })),
    output: contract.outputs.map((t) => ({ name: t.name, data_type: type(t.datatype), dims: [...t.shape] })),
    parameters,
    model_transaction_policy: { decoupled: contract.decoupled },
  };
}
