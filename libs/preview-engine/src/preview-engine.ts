import {
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import {
  DECODE_TENSORS,
  ENCODEC_DECODE,
  FRAME_RATE_HZ,
  MUSICGEN_INFO,
  MUSICGEN_LM,
  samplesForFrames,
} from '@musicgen/contract';
import {
  encodeRawTensor,
  loadInferenceService,
  type ModelInferRequest,
  type ModelInferResponse,
  type ModelStreamInferResponse,
} from '@musicgen/triton-client';
import { decodeCodesCooperatively } from './decode-codes.js';
import { parseDecodeRequest } from './decode-request.js';
import {
  MODEL_VERSION,
  findModel,
  modelConfig,
  modelMetadata,
  unknownModelMessage,
} from './model-catalog.js';
import { modelFailure, RequestError } from './request-error.js';
import { StreamSession } from './stream-session.js';
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
export async function startPreviewEngine(options: PreviewEngineOptions = {}): Promise<PreviewEngine> {
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
  const facts = previewFacts({ maxConcurrentRequests, maxQueueSize, maxDecodeFrames, livenessIntervalMs });
  if (!(Number.isFinite(framesPerSecond) && framesPerSecond >= 0)) {
    throw new RangeError(
      `Cannot start the preview engine: framesPerSecond must be >= 0: got ${framesPerSecond}`,
    );
  }

  let closing = false;
  const sessions = new Set<StreamSession>();
  const unavailable = () => new RequestError(status.UNAVAILABLE, 'preview engine is shutting down');
  const decode = async (request: ModelInferRequest): Promise<ModelInferResponse> => {
    const { codes, frames } = parseDecodeRequest(request, maxDecodeFrames);
    const audio = await decodeCodesCooperatively(codes, frames);
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

  const unary = (request: ModelInferRequest): Promise<ModelInferResponse> =>
    request.model_name === MUSICGEN_INFO ? Promise.resolve(factsResponse(request, facts)) : decode(request);

  const rpc =
    <Req, Res>(handler: (request: Req) => Res | Promise<Res>) =>
    async (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      try {
        callback(null, await handler(call.request));
      } catch (error) {
        const e = error instanceof RequestError ? error : modelFailure(error);
        callback({ code: e.code, details: e.wireMessage });
      }
    };
  const model = (request: { name: string; version?: string }) => {
    const found = findModel(request.name, request.version ?? '');
    if (!found) throw new RequestError(status.NOT_FOUND, unknownModelMessage(request.name, request.version));
    return found;
  };

  const implementation: UntypedServiceImplementation = {
    ServerLive: rpc(() => ({ live: true })),
    ServerReady: rpc(() => ({ ready: !closing })),
    ServerMetadata: rpc(() => ({
      name: PREVIEW_SERVER_NAME,
      version: PREVIEW_SERVER_VERSION,
      extensions: EXTENSIONS,
    })),
    ModelReady: rpc((r: { name: string; version?: string }) => ({
      ready: !closing && findModel(r.name, r.version ?? '') !== undefined,
    })),
    ModelMetadata: rpc((r: { name: string; version?: string }) => modelMetadata(model(r))),
    ModelConfig: rpc((r: { name: string; version?: string }) => ({
      config: modelConfig(model(r), maxDecodeFrames),
    })),
    ModelInfer: rpc(async (r: ModelInferRequest) => {
      if (closing) throw unavailable();
      const found = model({ name: r.model_name, version: r.model_version ?? '' });
      if (found.name === MUSICGEN_LM) {
        throw new RequestError(
          status.UNIMPLEMENTED,
          "ModelInfer RPC doesn't support models with decoupled transaction policy",
        );
      }
      return unary(r);
    }),
    ModelStreamInfer: (call: ServerDuplexStream<ModelInferRequest, ModelStreamInferResponse>) => {
      if (closing) {
        call.emit('error', { code: status.UNAVAILABLE, details: 'preview engine is shutting down' });
        return;
      }
      const session = new StreamSession(call, {
        progressIntervalFrames,
        framesPerSecond,
        unary,
        slots,
        livenessIntervalMs,
        maxTextTokens: facts.lm?.maxTextTokens ?? 1,
      });
      sessions.add(session);
      call.on('close', () => sessions.delete(session));
      call.on('finish', () => sessions.delete(session));
    },
  };

  const server = new Server({ 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 });
  server.addService(loadInferenceService(), implementation);
  const address = host.includes(':') ? `[${host}]` : host;
  const boundPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${address}:${port}`, ServerCredentials.createInsecure(), (error, bound) =>
      error
        ? reject(new Error(`Cannot start the preview engine on ${address}:${port}: ${error.message}`))
        : resolve(bound),
    ),
  );
  const url = `${address}:${boundPort}`;

  let closed: Promise<void> | undefined;
  return {
    url,
    port: boundPort,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        for (const session of sessions) {
          session.abort(
            status.UNAVAILABLE,
            `preview engine at ${url} is shutting down: ${session.inFlight} request(s) on this stream were not finished`,
          );
        }
        sessions.clear();
        const force = setTimeout(() => server.forceShutdown(), 2000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      return closed;
    },
  };
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Cannot start the preview engine: ${name} must be an integer in ${min}..${max}: got ${value}`,
    );
  }
}
