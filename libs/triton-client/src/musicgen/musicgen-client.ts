import { status } from '@grpc/grpc-js';
import { equalPowerCrossfade } from '@musicgen/wav';
import type { TritonClient } from '../client/triton-client.js';
import type { InferResult } from '../client/infer-types.js';
import { TritonError } from '../errors/triton-error.js';
import type { Tensor } from '../tensor/datatype.js';
import { validateCodes, type Codes } from './codes.js';
import {
  CODEBOOKS,
  DECODE_TENSORS,
  ENCODEC_DECODE,
  LM_TENSORS,
  MAX_FRAMES_PARAMETER,
  MAX_TOTAL_FRAMES,
  MUSICGEN_LM,
  SAMPLES_PER_FRAME,
} from './contract.js';
import { planDecodeSegments } from './plan-decode-segments.js';

/** Default overlap between segments of a segmented decode: 50 frames (1 s). */
export const DEFAULT_DECODE_OVERLAP_FRAMES = 50;

/** Options of {@link MusicgenClient}. */
export interface MusicgenClientOptions {
  /** The Triton client to use (not closed by the MusicgenClient). */
  readonly client: TritonClient;
  /**
   * Frames shared by neighbouring segments when codes longer than `max_frames` are decoded in
   * segments; the audio of the shared frames is joined with an equal-power crossfade. Default 50.
   */
  readonly decodeOverlapFrames?: number;
}

/** Progress of one window, reported after every response. */
export interface WindowProgress {
  /** Frames completed so far (FRAMES_DONE). */
  readonly framesDone: number;
  /** Frames requested. */
  readonly frames: number;
  /** The codes of this response, `[4, n]`. */
  readonly codes: Codes;
}

/** One window to generate; optional fields fall back to the server's defaults (GENERATION_DEFAULTS). */
export interface GenerateWindowRequest {
  /** UTF-8 prompt; empty = unconditional. */
  readonly text: string;
  /** New frames to generate, >= 1; frames + prompt frames <= MAX_TOTAL_FRAMES. */
  readonly frames: number;
  /** Context frames to continue from (PROMPT_CODES). */
  readonly promptCodes?: Codes;
  /** Sampling seed (int64). */
  readonly seed?: bigint | number;
  readonly guidanceScale?: number;
  readonly topK?: number;
  readonly topP?: number;
  readonly temperature?: number;
  readonly onProgress?: (progress: WindowProgress) => void;
  readonly signal?: AbortSignal;
  /** Overrides the client's stream request deadline, in ms. */
  readonly deadlineMs?: number;
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
    await this.client.streamInfer(
      { model: MUSICGEN_LM, inputs },
      {
        signal: request.signal,
        deadlineMs: request.deadlineMs,
        collect: false,
        onResponse: (result) => {
          const tensor = output(result, LM_TENSORS.CODES, 'INT32', MUSICGEN_LM);
          const n = tensor.shape[1] ?? 0;
          if (tensor.shape.length !== 2 || tensor.shape[0] !== CODEBOOKS) {
            throw contractError(`CODES must have shape [4, n]: got [${tensor.shape.join(', ')}]`, result.id);
          }
          if (received + n > frames) {
            throw contractError(`the responses hold more than NUM_FRAMES ${frames} frames`, result.id);
          }
          for (let c = 0; c < CODEBOOKS; c++)
            data.set(tensor.data.subarray(c * n, (c + 1) * n), c * frames + received);
          received += n;
          if (onProgress !== undefined) {
            const framesDone = output(result, LM_TENSORS.FRAMES_DONE, 'INT32', MUSICGEN_LM).data[0] ?? 0;
            onProgress({ framesDone, frames, codes: { frames: n, data: tensor.data } });
          }
        },
      },
    );
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
    for (let c = 0; c < CODEBOOKS; c++) {
      data.set(codes.data.subarray(c * codes.frames + start, c * codes.frames + end), c * frames);
    }
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
  const { text, frames, promptCodes, seed, guidanceScale, topK, topP, temperature } = request;
  if (typeof text !== 'string') throw new TypeError(`${ACTION}: text must be a string: got ${typeof text}`);
  const promptFrames = promptCodes?.frames ?? 0;
  if (promptCodes !== undefined) validateCodes(promptCodes, ACTION, 'promptCodes');
  if (!Number.isInteger(frames) || frames < 1 || frames + promptFrames > MAX_TOTAL_FRAMES) {
    throw new RangeError(
      `${ACTION}: frames must be an integer from 1 to ${MAX_TOTAL_FRAMES} - P (P = ${promptFrames} prompt frames): got ${frames}`,
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
  const fp32 = (name: string, value: number | undefined, ok: (v: number) => boolean, what: string): void => {
    if (value === undefined) return;
    if (!ok(value)) throw new RangeError(`${ACTION}: ${name} must be ${what}: got ${value}`);
    inputs.push({ name, datatype: 'FP32', shape: [1], data: Float32Array.of(value) });
  };
  fp32(LM_TENSORS.GUIDANCE_SCALE, guidanceScale, (v) => Number.isFinite(v) && v >= 0, 'a finite number >= 0');
  if (topK !== undefined) {
    if (!Number.isInteger(topK) || topK < 0 || topK > 2048) {
      throw new RangeError(`${ACTION}: TOP_K must be an integer from 0 to 2048: got ${topK}`);
    }
    inputs.push({ name: LM_TENSORS.TOP_K, datatype: 'INT32', shape: [1], data: Int32Array.of(topK) });
  }
  fp32(LM_TENSORS.TOP_P, topP, (v) => v >= 0 && v <= 1, 'a number from 0 to 1');
  fp32(LM_TENSORS.TEMPERATURE, temperature, (v) => Number.isFinite(v) && v >= 0, 'a finite number >= 0');
  return inputs;
}

function output<D extends 'INT32' | 'FP32'>(
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

function contractError(details: string, requestId?: string, model = MUSICGEN_LM): TritonError {
  return new TritonError({
    code: status.INTERNAL,
    details: `response breaks the model contract: ${details}`,
    rpc: model === MUSICGEN_LM ? 'ModelStreamInfer' : 'ModelInfer',
    model,
    requestId,
  });
}
