import type {
  ModelConfig,
  ModelInferRequest,
  ModelInferResponse,
  ModelMetadataResponse,
  ModelStreamInferResponse,
} from '../grpc/messages.js';
import { startTritonServer } from '../server/start-triton-server.js';

/** One scripted model of a {@link TestTritonServer}. */
export interface ScriptedModel {
  readonly metadata?: ModelMetadataResponse;
  readonly config?: ModelConfig;
  /** Unary ModelInfer; throw `RpcStatusError` to fail with a status. */
  readonly infer?: (request: ModelInferRequest) => ModelInferResponse | Promise<ModelInferResponse>;
  /** One request on ModelStreamInfer; `send` writes a stream message. The promise settles when done. */
  readonly stream?: (
    request: ModelInferRequest,
    send: (message: ModelStreamInferResponse) => void,
  ) => void | Promise<void>;
}

/** Options of {@link startTestTritonServer}. */
export interface TestTritonServerOptions {
  /** Address to bind. Default `127.0.0.1`. */
  readonly host?: string;
  /** Port; 0 (default) picks a free one. */
  readonly port?: number;
  /** Models by name. */
  readonly models?: Readonly<Record<string, ScriptedModel>>;
  /** ServerLive/ServerReady answers, or a status error to throw. Default live and ready. */
  readonly health?: () => { live: boolean; ready: boolean };
}

/** A running scripted server. */
export interface TestTritonServer {
  /** `host:port`, ready for `new TritonClient({ address })`. */
  readonly address: string;
  readonly port: number;
  /** Every RPC received, by name, in order (e.g. `ServerLive`, `ModelStreamInfer.open`, `ModelInfer`). */
  readonly calls: string[];
  /** Every inference request received (unary and streamed), in order. */
  readonly requests: ModelInferRequest[];
  /** Number of ModelStreamInfer calls currently open. */
  readonly openStreams: () => number;
  /** Stops accepting calls and waits for open ones to finish. */
  close(): Promise<void>;
  /** Drops every connection at once (`forceShutdown`), as a crashed server would. */
  kill(): void;
}

/**
 * Starts a real grpc-js server speaking `inference.GRPCInferenceService` whose models are scripted by
 * the test: delays, per-request stream errors, malformed responses, dropped connections.
 *
 * @example
 * ```ts
 * const server = await startTestTritonServer({ models: { musicgen_lm: fakeMusicgenLm() } });
 * const client = new TritonClient({ address: server.address });
 * // ...
 * client.close();
 * await server.close();
 * ```
 */
export async function startTestTritonServer(
  options: TestTritonServerOptions = {},
): Promise<TestTritonServer> {
  const { models = {} } = options;
  const calls: string[] = [];
  const requests: ModelInferRequest[] = [];
  const server = await startTritonServer({
    label: 'the test Triton server',
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.health === undefined ? {} : { health: options.health }),
    metadata: { name: 'scripted', version: '0', extensions: [] },
    model: (name) => {
      const scripted = Object.hasOwn(models, name) ? models[name] : undefined;
      if (scripted === undefined) return undefined;
      return {
        metadata: () =>
          scripted.metadata ?? { name, versions: ['1'], platform: 'scripted', inputs: [], outputs: [] },
        config: () => scripted.config ?? { name, max_batch_size: 0, input: [], output: [] },
        ...(scripted.infer ? { infer: scripted.infer } : {}),
        ...(scripted.stream ? { stream: scripted.stream } : {}),
      };
    },
    onCall: (rpc) => calls.push(rpc),
    onRequest: (request) => requests.push(request),
  });
  return { ...server, calls, requests };
}
