import { status } from '@grpc/grpc-js';
import {
  DECODE_TENSORS,
  ENCODEC_DECODE,
  FRAME_RATE_HZ,
  MUSICGEN_INFO,
  MUSICGEN_LM,
  samplesForFrames,
  type ServerFacts,
} from '@musicgen/contract';
import { encodeRawTensor, type ModelInferRequest, type ModelInferResponse } from '@musicgen/triton-client';
import { startTritonServer, type ServedModel } from '@musicgen/triton-client/server';
import { decodeCodesCooperatively } from './decode-codes.js';
import { parseDecodeRequest } from './decode-request.js';
import { lmStream } from './lm-stream.js';
import { MODEL_VERSION, findModel, modelConfig, modelMetadata } from './model-catalog.js';
import { modelFailure, RequestError } from './request-error.js';
import { SlotLimiter } from './slot-limiter.js';
import { factsResponse, previewFacts } from './preview-facts.js';

/** Options of {@link startPreviewEngine}; every field is optional. */
export interface PreviewEngineOptions {
  /** TCP port; 0 picks a free one. Default 0. */
  port?: number;
  /** Interface to bind. Default `127.0.0.1` (the engine has no authentication, like Triton). */
  host?: string;
  /** Frames between streamed progress responses of `musicgen_lm`. Default 50 (one second). */
  progressIntervalFrames?: number;
  /** Throttle generation to this many frames per second per request; 0 = as fast as possible. Default 0. */
  framesPerSecond?: number;
  /** Largest T `encodec_decode` accepts, published as its `max_frames` config parameter. Default 3000. */
  maxDecodeFrames?: number;
  /**
   * Requests `musicgen_lm` generates at once, published in its facts like a GPU server's slots; later
   * requests wait their turn. Default 16.
   */
  maxConcurrentRequests?: number;
  /** Requests that may wait for a slot; beyond that a request is refused with UNAVAILABLE. Default 256. */
  maxQueueSize?: number;
  /**
   * Longest a `musicgen_lm` request goes without a response while it waits for a slot or generates
   * (contract v1.2: a response of no frames is sent then), published in the facts. Default 2000.
   */
  livenessIntervalMs?: number;
}

/**
 * What a test double changes in the engine's answers (`./testing`'s `startPreviewDouble`); not part of
 * the engine's options, so nothing shipped can make it misbehave.
 */
export interface PreviewEngineHooks {
  /** Replaces each chunk of codes `musicgen_lm` streams for a request with `seed`. */
  readonly codes?: (seed: bigint, codes: Int32Array) => Int32Array;
  /** Replaces the audio `encodec_decode` returns for `codes` (`[4, frames]`, codebook-major). */
  readonly audio?: (codes: Int32Array, frames: number, audio: Float32Array) => Float32Array;
  /** Replaces the facts `musicgen_info` publishes. */
  readonly facts?: (facts: ServerFacts) => ServerFacts;
}

/** A running preview engine. */
export interface PreviewEngine {
  /** `host:port`, the address a Triton client connects to. */
  url: string;
  port: number;
  /** Stops the engine: streams in flight end with UNAVAILABLE, then the port is released. */
  close(): Promise<void>;
}

/** The name the engine gives in ServerMetadata. */
export const PREVIEW_SERVER_NAME = 'musicgen-preview';
/** The engine's version in ServerMetadata. */
export const PREVIEW_SERVER_VERSION = '0.1.0';
const EXTENSIONS = ['model_configuration', 'binary_tensor_data', 'parameters'];

/**
 * Starts the preview engine: a Triton-protocol gRPC server (`inference.GRPCInferenceService`)
 * serving `musicgen_lm` (decoupled, streamed) and `encodec_decode` from a procedural synthesiser.
 * It is a stand-in for local work and tests, not MusicGen: its models report platform `preview`.
 *
 * @throws {RangeError} when an option is out of range (before anything starts).
 *
 * @example
 * ```ts
 * const engine = await startPreviewEngine({ port: 0 });
 * console.log(engine.url); // 127.0.0.1:40123
 * await engine.close();
 * ```
 */
export function startPreviewEngine(options: PreviewEngineOptions = {}): Promise<PreviewEngine> {
  return startPreviewEngineWith(options, {});
}

/**
 * {@link startPreviewEngine} with {@link PreviewEngineHooks}, for test doubles only (`./testing`).
 *
 * @example
 * ```ts
 * const engine = await startPreviewEngineWith({}, { audio: (codes, frames, audio) => audio.fill(0) });
 * ```
 */
export async function startPreviewEngineWith(
  options: PreviewEngineOptions,
  hooks: PreviewEngineHooks,
): Promise<PreviewEngine> {
  const {
    port = 0,
    host = '127.0.0.1',
    progressIntervalFrames = FRAME_RATE_HZ,
    framesPerSecond = 0,
    maxDecodeFrames = 3000,
    maxConcurrentRequests = 16,
    maxQueueSize = 256,
    livenessIntervalMs = 2000,
  } = options;
  checkInteger('port', port, 0, 65535);
  checkInteger('progressIntervalFrames', progressIntervalFrames, 1, 1_000_000);
  checkInteger('maxDecodeFrames', maxDecodeFrames, 1, 1_000_000);
  checkInteger('maxConcurrentRequests', maxConcurrentRequests, 1, 100_000);
  checkInteger('maxQueueSize', maxQueueSize, 0, 1_000_000);
  checkInteger('livenessIntervalMs', livenessIntervalMs, 1, 3_600_000);
  const slots = new SlotLimiter(maxConcurrentRequests, maxQueueSize);
  const ownFacts = previewFacts({ maxConcurrentRequests, maxQueueSize, maxDecodeFrames, livenessIntervalMs });
  const facts = hooks.facts ? hooks.facts(ownFacts) : ownFacts;
  if (!(Number.isFinite(framesPerSecond) && framesPerSecond >= 0)) {
    throw new RangeError(
      `Cannot start the preview engine: framesPerSecond must be >= 0: got ${framesPerSecond}`,
    );
  }

  const decode = async (request: ModelInferRequest): Promise<ModelInferResponse> => {
    const { codes, frames } = parseDecodeRequest(request, maxDecodeFrames);
    const decoded = await decodeCodesCooperatively(codes, frames);
    const audio = hooks.audio ? hooks.audio(codes, frames, decoded) : decoded;
    const shape = [1, samplesForFrames(frames)];
    return {
      model_name: ENCODEC_DECODE,
      model_version: MODEL_VERSION,
      id: request.id ?? '',
      parameters: {},
      outputs: [{ name: DECODE_TENSORS.AUDIO, datatype: 'FP32', shape }],
      raw_output_contents: [
        encodeRawTensor({ name: DECODE_TENSORS.AUDIO, datatype: 'FP32', shape, data: audio }),
      ],
    };
  };
  const generate = lmStream({
    progressIntervalFrames,
    framesPerSecond,
    slots,
    livenessIntervalMs,
    maxTextTokens: ownFacts.lm?.maxTextTokens ?? 1,
    ...(hooks.codes ? { codes: hooks.codes } : {}),
  });
  const served = (name: string, version: string): ServedModel | undefined => {
    const model = findModel(name, version);
    if (!model) return undefined;
    const described = {
      metadata: () => modelMetadata(model),
      config: () => modelConfig(model, maxDecodeFrames),
    };
    if (model.name === MUSICGEN_LM) return { ...described, stream: generate };
    if (model.name === MUSICGEN_INFO)
      return { ...described, infer: (r: ModelInferRequest) => factsResponse(r, facts) };
    return { ...described, infer: decode };
  };

  let url = '';
  const server = await startTritonServer({
    label: 'the preview engine',
    host,
    port,
    metadata: { name: PREVIEW_SERVER_NAME, version: PREVIEW_SERVER_VERSION, extensions: EXTENSIONS },
    model: served,
    // A model's failure carries its contract error class as the message's tag, as a real model's does.
    statusOf: (error) => {
      const failure = error instanceof RequestError ? error : modelFailure(error);
      return { code: failure.code, details: failure.wireMessage };
    },
    closeStreams: (inFlight) => ({
      code: status.UNAVAILABLE,
      details: `preview engine at ${url} is shutting down: ${inFlight} request(s) on this stream were not finished`,
    }),
    closeGraceMs: 2000,
    grpcOptions: { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 },
  });
  url = server.address;
  return { url, port: server.port, close: () => server.close() };
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Cannot start the preview engine: ${name} must be an integer in ${min}..${max}: got ${value}`,
    );
  }
}
