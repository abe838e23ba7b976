import {
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadInferenceService } from '../grpc/load-inference-service.js';
import type {
  ModelConfig,
  ModelInferRequest,
  ModelInferResponse,
  ModelMetadataResponse,
  ModelStreamInferResponse,
} from '../grpc/messages.js';

/** A gRPC error a scripted handler throws to fail a unary call with this status. */
export class ScriptedStatusError extends Error {
  constructor(
    readonly code: status,
    readonly details: string,
  ) {
    super(details);
  }
}

/** One scripted model of a {@link TestTritonServer}. */
export interface ScriptedModel {
  readonly metadata?: ModelMetadataResponse;
  readonly config?: ModelConfig;
  /** Unary ModelInfer; throw {@link ScriptedStatusError} to fail with a status. */
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
  const { host = '127.0.0.1', port = 0, models = {}, health = () => ({ live: true, ready: true }) } = options;
  const calls: string[] = [];
  const requests: ModelInferRequest[] = [];
  let streams = 0;
  const server = new Server();

  const unary =
    <Req, Res>(name: string, handler: (request: Req) => Res | Promise<Res>) =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      calls.push(name);
      Promise.resolve()
        .then(() => handler(call.request))
        .then(
          (response) => callback(null, response),
          (error: unknown) =>
            callback(
              error instanceof ScriptedStatusError
                ? { code: error.code, details: error.details }
                : { code: status.INTERNAL, details: String(error) },
            ),
        );
    };
  const model = (name: string): ScriptedModel => {
    const found = models[name];
    if (found === undefined) {
      throw new ScriptedStatusError(status.NOT_FOUND, `Request for unknown model: '${name}' is not found`);
    }
    return found;
  };

  const implementation: UntypedServiceImplementation = {
    ServerLive: unary('ServerLive', () => ({ live: health().live })),
    ServerReady: unary('ServerReady', () => ({ ready: health().ready })),
    ServerMetadata: unary('ServerMetadata', () => ({ name: 'scripted', version: '0', extensions: [] })),
    ModelReady: unary('ModelReady', (r: { name: string }) => ({ ready: models[r.name] !== undefined })),
    ModelMetadata: unary('ModelMetadata', (r: { name: string }) => {
      const m = model(r.name);
      return m.metadata ?? { name: r.name, versions: ['1'], platform: 'scripted', inputs: [], outputs: [] };
    }),
    ModelConfig: unary('ModelConfig', (r: { name: string }) => ({
      config: model(r.name).config ?? { name: r.name, max_batch_size: 0, input: [], output: [] },
    })),
    ModelInfer: unary('ModelInfer', (r: ModelInferRequest) => {
      requests.push(r);
      const infer = model(r.model_name).infer;
      if (infer === undefined) {
        throw new ScriptedStatusError(status.UNIMPLEMENTED, `model '${r.model_name}' has no unary inference`);
      }
      return infer(r);
    }),
    ModelStreamInfer: (call: ServerDuplexStream<ModelInferRequest, ModelStreamInferResponse>) => {
      calls.push('ModelStreamInfer.open');
      streams++;
      let outstanding = 0;
      let clientDone = false;
      let ended = false;
      const finish = (): void => {
        if (!ended && clientDone && outstanding === 0) {
          ended = true;
          call.end();
        }
      };
      const send = (message: ModelStreamInferResponse): void => {
        if (!ended && !call.cancelled && !call.destroyed) call.write(message);
      };
      call.on('data', (request: ModelInferRequest) => {
        requests.push(request);
        const scripted = models[request.model_name]?.stream;
        if (scripted === undefined) {
          send({
            error_message: `Request for unknown model: '${request.model_name}' is not found`,
            infer_response: { model_name: request.model_name, id: request.id ?? '', outputs: [] },
          });
          return;
        }
        outstanding++;
        Promise.resolve()
          .then(() => scripted(request, send))
          .catch((error: unknown) =>
            send({
              error_message: String(error instanceof Error ? error.message : error),
              infer_response: { model_name: request.model_name, id: request.id ?? '', outputs: [] },
            }),
          )
          .finally(() => {
            outstanding--;
            finish();
          });
      });
      call.on('end', () => {
        clientDone = true;
        finish();
      });
      call.on('close', () => streams--);
      call.on('error', () => undefined);
    },
  };
  server.addService(loadInferenceService(), implementation);
  const boundPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    address: `${host}:${boundPort}`,
    port: boundPort,
    calls,
    requests,
    openStreams: () => streams,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
      }),
    kill: () => server.forceShutdown(),
  };
}
