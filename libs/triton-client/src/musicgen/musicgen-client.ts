import { status } from '@grpc/grpc-js';
import { equalPowerCrossfade } from '@musicgen/wav';
import type { TritonClient } from '../client/triton-client.js';
import type { InferResult } from '../client/infer-types.js';
import { TritonError } from '../errors/triton-error.js';
import type { Tensor } from '../tensor/datatype.js';
import {
  CODEBOOKS,
  copyCodeFrames,
  DECODE_TENSORS,
  ENCODEC_DECODE,
  FRAME_RATE_HZ,
  INFO_TENSORS,
  LM_TENSORS,
  MAX_FRAMES_PARAMETER,
  MAX_WINDOW_FRAMES,
  MUSICGEN_INFO,
  MUSICGEN_LM,
  parseServerFacts,
  SAMPLES_PER_FRAME,
  SAMPLING_NAMES,
  SAMPLING_TENSORS,
  samplingProblem,
  type Codes,
  type ServerFacts,
} from '@musicgen/contract';
import { validateCodes } from './codes.js';
import { planDecodeSegments } from './plan-decode-segments.js';
import { WindowWatch } from './window-watch.js';

/** Default overlap between segments of a segmented decode: one second of frames. */
export const DEFAULT_DECODE_OVERLAP_FRAMES = FRAME_RATE_HZ;

/** Options of {@link MusicgenClient}. */
export interface MusicgenClientOptions {
  /** The Triton client to use (not closed by the MusicgenClient). */
  readonly client: TritonClient;
  /**
   * Frames shared by neighbouring segments when codes longer than `max_frames` are decoded in
   * segments; the audio of the shared frames is joined with an equal-power crossfade. Default 50 (1 s).
   */
  readonly decodeOverlapFrames?: number;
}

/** Progress of one window, reported after every response (liveness responses of no frames included). */
export interface WindowProgress {
  /** Frames completed so far (FRAMES_DONE). */
  readonly framesDone: number;
  /** Frames requested. */
  readonly frames: number;
  /** The codes of this response, `[4, n]` (n = 0 for an acknowledgement or a liveness response). */
  readonly codes: Codes;
  /** QUEUE_POSITION (contract v1.2): 0 once generating, k >= 1 while waiting k-th in line; absent from older servers. */
  readonly queuePosition?: number;
  /**
   * TEXT_TOKENS (contract v1.2): the prompt's tokens, and how many the model reads; fewer read than
   * given means the server truncated the prompt. Absent from older servers.
   */
  readonly textTokens?: { readonly prompt: number; readonly read: number };
}

/**
 * One window to generate; absent sampling options fall back to the server's defaults
 * (`DEFAULT_SAMPLING` in `@musicgen/contract`), present ones must be within `SAMPLING_LIMITS`.
 */
export interface GenerateWindowRequest {
  /** UTF-8 prompt; empty = unconditional. */
  readonly text: string;
  /** New frames to generate, >= 1; frames + prompt frames <= MAX_WINDOW_FRAMES. */
  readonly frames: number;
  /** Context frames to continue from (PROMPT_CODES). */
  readonly promptCodes?: Codes;
  /** Sampling seed (int64). */
  readonly seed?: bigint | number;
  /** Classifier-free guidance scale (GUIDANCE_SCALE). */
  readonly guidance?: number;
  /** Top-k (TOP_K); 0 disables. */
  readonly topK?: number;
  /** Nucleus sampling (TOP_P); 0 disables. */
  readonly topP?: number;
  /** Temperature (TEMPERATURE); 0 is greedy. */
  readonly temperature?: number;
  readonly onProgress?: (progress: WindowProgress) => void;
  readonly signal?: AbortSignal;
  /** Overrides the client's stream request deadline (from sending to the final response), in ms; 0 for none. */
  readonly deadlineMs?: number;
  /**
   * Fails the window with DEADLINE_EXCEEDED when no response arrives for this long, in ms. Only for
   * servers of contract v1.2, which acknowledge a request at once and answer it at least every
   * `livenessIntervalMs` of their facts; an older server is silent while a request waits. Default: not watched.
   */
  readonly livenessTimeoutMs?: number;
  /**
   * Fails the window with DEADLINE_EXCEEDED when it is not finished this long after the first response
   * showing it generating (QUEUE_POSITION 0; any response from an older server), in ms: time in the
   * server's queue does not count. Default: not watched.
   */
  readonly generationDeadlineMs?: number;
}

/** Options of {@link MusicgenClient.decode}. */
export interface DecodeOptions {
  readonly signal?: AbortSignal;
  readonly deadlineMs?: number;
}

const ACTION = 'Cannot generate a window';

/**
 * The MusicGen model contract over a {@link TritonClient}: generate one window of codes on the
 * `musicgen_lm` stream, and decode codes to 32 kHz mono audio with `encodec_decode`, in overlapping
 * segments when the codes are longer than the server's `max_frames`.
 *
 * @example
 * ```ts
 * const musicgen = new MusicgenClient({ client: new TritonClient({ address: '127.0.0.1:8001' }) });
 * const codes = await musicgen.generateWindow({ text: 'calm lofi piano', frames: 500, seed: 7n });
 * const audio = await musicgen.decode(codes); // Float32Array, 500 × 640 samples
 * ```
 */
export class MusicgenClient {
  private readonly client: TritonClient;
  private readonly overlapFrames: number;
  private maxFrames: Promise<number> | undefined;

  constructor(options: MusicgenClientOptions) {
    const { client, decodeOverlapFrames = DEFAULT_DECODE_OVERLAP_FRAMES } = options;
    if (!Number.isInteger(decodeOverlapFrames) || decodeOverlapFrames < 0) {
      throw new RangeError(
        `Cannot create a MusicGen client: 'decodeOverlapFrames' must be an integer >= 0: got ${decodeOverlapFrames}`,
      );
    }
    this.client = client;
    this.overlapFrames = decodeOverlapFrames;
  }

  /**
   * Generates one window: `frames` new frames continuing `promptCodes` (when given). Resolves with
   * exactly `frames` frames; the prompt is not echoed.
   *
   * @throws {RangeError | TypeError} before sending, when a parameter breaks the contract.
   * @throws {TritonError} when the server fails the request or breaks the contract in its answer.
   */
  async generateWindow(request: GenerateWindowRequest): Promise<Codes> {
    const inputs = windowInputs(request);
    const { frames, onProgress } = request;
    const data = new Int32Array(CODEBOOKS * frames);
    let received = 0;
    const watch = new WindowWatch({
      livenessTimeoutMs: request.livenessTimeoutMs,
      generationDeadlineMs: request.generationDeadlineMs,
      frames,
      signal: request.signal,
    });
    try {
      await this.client.streamInfer(
        { model: MUSICGEN_LM, inputs },
        {
          signal: watch.signal,
          deadlineMs: request.deadlineMs,
          collect: false,
          onResponse: (result) => {
            const queuePosition = optionalInt32(result, LM_TENSORS.QUEUE_POSITION, 1)?.[0];
            watch.response(queuePosition);
            const tensor = output(result, LM_TENSORS.CODES, 'INT32', MUSICGEN_LM);
            const n = tensor.shape[1] ?? 0;
            if (tensor.shape.length !== 2 || tensor.shape[0] !== CODEBOOKS) {
              throw contractError(
                `CODES must have shape [4, n]: got [${tensor.shape.join(', ')}]`,
                result.id,
              );
            }
            if (received + n > frames) {
              throw contractError(`the responses hold more than NUM_FRAMES ${frames} frames`, result.id);
            }
            copyCodeFrames(tensor.data, n, 0, data, frames, received, n);
            received += n;
            if (onProgress !== undefined) {
              const framesDone = output(result, LM_TENSORS.FRAMES_DONE, 'INT32', MUSICGEN_LM).data[0] ?? 0;
              const tokens = optionalInt32(result, LM_TENSORS.TEXT_TOKENS, 2);
              onProgress({
                framesDone,
                frames,
                codes: { frames: n, data: tensor.data },
                ...(queuePosition === undefined ? {} : { queuePosition }),
                ...(tokens === undefined
                  ? {}
                  : { textTokens: { prompt: tokens[0] as number, read: tokens[1] as number } }),
              });
            }
          },
        },
      );
    } finally {
      watch.close();
    }
    if (received !== frames) {
      throw contractError(`the responses hold ${received} frames for NUM_FRAMES ${frames}`);
    }
    return { frames, data };
  }

  /**
   * Decodes codes to mono 32 kHz audio (`frames × 640` samples). Codes longer than the server's
   * `max_frames` (read once from the `encodec_decode` config, then cached) are decoded in segments
   * that overlap by `decodeOverlapFrames`, joined with an equal-power crossfade over the overlap.
   */
  /**
   * What the server's models really serve and how many requests they take, as its `musicgen_info`
   * model publishes them (contract v1.1): checkpoint, revision, real or random weights, device,
   * dtypes, slots, `max_frames`. Resolves with undefined when the server publishes no facts (no
   * `musicgen_info` model: a deployment older than contract v1.1).
   *
   * @example
   * ```ts
   * const facts = await musicgen.facts();
   * facts?.lm?.maxConcurrentRequests; // 40 on an L40S
   * ```
   *
   * @throws {TritonError} when the server cannot be asked, or its answer breaks the contract (INTERNAL).
   */
  async facts(options: DecodeOptions = {}): Promise<ServerFacts | undefined> {
    if (!(await this.client.modelReady(MUSICGEN_INFO, options))) return undefined;
    const result = await this.client.infer(
      { model: MUSICGEN_INFO, inputs: [] },
      { ...options, idempotent: true },
    );
    const tensor = output(result, INFO_TENSORS.FACTS, 'BYTES', MUSICGEN_INFO);
    const bytes = tensor.data[0];
    if (tensor.data.length !== 1 || bytes === undefined) {
      throw contractError(`FACTS must hold one element: got ${tensor.data.length}`, result.id, MUSICGEN_INFO);
    }
    try {
      return parseServerFacts(new TextDecoder().decode(bytes));
    } catch (error) {
      throw contractError((error as Error).message, result.id, MUSICGEN_INFO);
    }
  }

  async decode(codes: Codes, options: DecodeOptions = {}): Promise<Float32Array> {
    validateCodes(codes, 'Cannot decode codes', 'codes');
    const maxFrames = await this.decodeMaxFrames(options);
    if (codes.frames <= maxFrames) return this.decodeSegment(codes, 0, codes.frames, options);
    const overlap = Math.min(this.overlapFrames, Math.floor(maxFrames / 2));
    const segments = planDecodeSegments(codes.frames, maxFrames, overlap);
    const parts = await Promise.all(segments.map((s) => this.decodeSegment(codes, s.start, s.end, options)));
    const audio = new Float32Array(codes.frames * SAMPLES_PER_FRAME);
    const overlapSamples = overlap * SAMPLES_PER_FRAME;
    parts.forEach((part, index) => {
      const start = (segments[index] as { start: number }).start * SAMPLES_PER_FRAME;
      if (index === 0 || overlapSamples === 0) {
        audio.set(part, start);
        return;
      }
      const previousTail = audio.subarray(start, start + overlapSamples);
      audio.set(equalPowerCrossfade(previousTail, part.subarray(0, overlapSamples), overlapSamples), start);
      audio.set(part.subarray(overlapSamples), start + overlapSamples);
    });
    return audio;
  }

  /** The largest T `encodec_decode` accepts (its `max_frames` config parameter; unlimited when absent). */
  decodeMaxFrames(options: DecodeOptions = {}): Promise<number> {
    this.maxFrames ??= this.client.modelConfig(ENCODEC_DECODE, options).then((config) => {
      const value = config.parameters?.[MAX_FRAMES_PARAMETER]?.string_value;
      if (value === undefined) return Number.POSITIVE_INFINITY;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < 2) {
        throw contractError(
          `the ${MAX_FRAMES_PARAMETER} parameter must be an integer >= 2: got '${value}'`,
          undefined,
          ENCODEC_DECODE,
        );
      }
      return parsed;
    });
    this.maxFrames.catch(() => (this.maxFrames = undefined));
    return this.maxFrames;
  }

  private async decodeSegment(
    codes: Codes,
    start: number,
    end: number,
    options: DecodeOptions,
  ): Promise<Float32Array> {
    const frames = end - start;
    const data = new Int32Array(CODEBOOKS * frames);
    copyCodeFrames(codes.data, codes.frames, start, data, frames, 0, frames);
    const result = await this.client.infer(
      {
        model: ENCODEC_DECODE,
        inputs: [{ name: DECODE_TENSORS.CODES, datatype: 'INT32', shape: [1, CODEBOOKS, frames], data }],
      },
      { ...options, idempotent: true },
    );
    const audio = output(result, DECODE_TENSORS.AUDIO, 'FP32', ENCODEC_DECODE);
    const expected = frames * SAMPLES_PER_FRAME;
    if (audio.data.length !== expected) {
      throw contractError(
        `AUDIO must hold ${frames} × ${SAMPLES_PER_FRAME} = ${expected} samples: got shape [${audio.shape.join(', ')}]`,
        result.id,
        ENCODEC_DECODE,
      );
    }
    return audio.data;
  }
}

function windowInputs(request: GenerateWindowRequest): Tensor[] {
  const { text, frames, promptCodes, seed } = request;
  if (typeof text !== 'string') throw new TypeError(`${ACTION}: text must be a string: got ${typeof text}`);
  const promptFrames = promptCodes?.frames ?? 0;
  if (promptCodes !== undefined) validateCodes(promptCodes, ACTION, 'promptCodes');
  if (!Number.isInteger(frames) || frames < 1 || frames + promptFrames > MAX_WINDOW_FRAMES) {
    throw new RangeError(
      `${ACTION}: frames must be an integer from 1 to ${MAX_WINDOW_FRAMES} - P (P = ${promptFrames} prompt frames): got ${frames}`,
    );
  }
  const inputs: Tensor[] = [
    { name: LM_TENSORS.TEXT, datatype: 'BYTES', shape: [1], data: [new TextEncoder().encode(text)] },
    { name: LM_TENSORS.NUM_FRAMES, datatype: 'INT32', shape: [1], data: Int32Array.of(frames) },
  ];
  if (promptCodes !== undefined) {
    inputs.push({
      name: LM_TENSORS.PROMPT_CODES,
      datatype: 'INT32',
      shape: [CODEBOOKS, promptFrames],
      data: promptCodes.data,
    });
  }
  if (seed !== undefined) {
    const value = typeof seed === 'bigint' ? seed : Number.isSafeInteger(seed) ? BigInt(seed) : undefined;
    if (value === undefined || BigInt.asIntN(64, value) !== value) {
      throw new RangeError(`${ACTION}: seed must be a 64-bit signed integer: got ${seed}`);
    }
    inputs.push({ name: LM_TENSORS.SEED, datatype: 'INT64', shape: [1], data: BigInt64Array.of(value) });
  }
  for (const name of SAMPLING_NAMES) {
    const value = request[name];
    if (value === undefined) continue;
    const { name: tensor, datatype } = SAMPLING_TENSORS[name];
    const problem = samplingProblem(name, value);
    if (problem !== undefined) throw new RangeError(`${ACTION}: ${tensor} ${problem}: got ${value}`);
    inputs.push(
      datatype === 'INT32'
        ? { name: tensor, datatype, shape: [1], data: Int32Array.of(value) }
        : { name: tensor, datatype, shape: [1], data: Float32Array.of(value) },
    );
  }
  return inputs;
}

function output<D extends 'INT32' | 'FP32' | 'BYTES'>(
  result: InferResult,
  name: string,
  datatype: D,
  model: string,
): Tensor<D> {
  const tensor = result.outputs[name];
  if (tensor === undefined || tensor.datatype !== datatype) {
    const got =
      tensor === undefined ? `outputs [${Object.keys(result.outputs).join(', ')}]` : tensor.datatype;
    throw contractError(`output ${name} must be ${datatype}: got ${got}`, result.id, model);
  }
  return tensor as Tensor<D>;
}

/** An optional INT32 output of `size` elements (contract v1.2 additions), or undefined when the server sent none. */
function optionalInt32(result: InferResult, name: string, size: number): Int32Array | undefined {
  const tensor = result.outputs[name];
  if (tensor === undefined) return undefined;
  if (tensor.datatype !== 'INT32' || tensor.data.length !== size) {
    throw contractError(
      `output ${name} must be INT32 with ${size} element(s): got ${tensor.datatype} [${tensor.shape.join(', ')}]`,
      result.id,
    );
  }
  return tensor.data;
}

function contractError(details: string, requestId?: string, model = MUSICGEN_LM): TritonError {
  return new TritonError({
    code: status.INTERNAL,
    details: `response breaks the model contract: ${details}`,
    rpc: model === MUSICGEN_LM ? 'ModelStreamInfer' : 'ModelInfer',
    model,
    requestId,
  });
}
