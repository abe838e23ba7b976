import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { TritonClient } from '../client/triton-client.js';
import { TritonError } from '../errors/triton-error.js';
import { encodeRawTensor } from '../tensor/encode-raw-tensor.js';
import type { ModelInferRequest, ModelInferResponse } from '../grpc/messages.js';
import { RpcStatusError } from './rpc-status-error.js';
import { startTritonServer, type ServedModel, type TritonServerOptions } from './start-triton-server.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A response with one output, N = n, and the final flag when given. */
const response = (request: ModelInferRequest, n: number, final?: boolean): ModelInferResponse => ({
  model_name: request.model_name,
  id: request.id ?? '',
  outputs: [{ name: 'N', datatype: 'INT32', shape: [1] }],
  raw_output_contents: [
    encodeRawTensor({ name: 'N', datatype: 'INT32', shape: [1], data: Int32Array.of(n) }),
  ],
  ...(final === undefined ? {} : { parameters: { triton_final_response: { bool_param: final } } }),
});
const described = (name: string) => ({
  metadata: () => ({ name, versions: ['1'], platform: 'test', inputs: [], outputs: [] }),
  config: () => ({ name, max_batch_size: 0, input: [], output: [] }),
});
const MODELS: Record<string, ServedModel> = {
  unary: { ...described('unary'), infer: (r) => response(r, 7) },
  stream: {
    ...described('stream'),
    stream: async (request, send) => {
      await send({ infer_response: response(request, 1, false) });
      await send({ infer_response: response(request, 2, true) });
    },
  },
  refusing: {
    ...described('refusing'),
    infer: () => {
      throw new RpcStatusError(status.INVALID_ARGUMENT, 'CODES must be INT32');
    },
    stream: () => {
      throw new Error('the model broke');
    },
  },
  hanging: { ...described('hanging'), stream: () => new Promise<void>(() => undefined) },
};

async function serve(overrides: Partial<TritonServerOptions> = {}) {
  const calls: string[] = [];
  const requests: string[] = [];
  const server = await startTritonServer({
    label: 'the test server',
    metadata: { name: 'test', version: '9', extensions: ['x'] },
    model: (name, version) => (version === '' || version === '1' ? MODELS[name] : undefined),
    onCall: (rpc) => calls.push(rpc),
    onRequest: (r) => requests.push(`${r.model_name}#${r.id}`),
    ...overrides,
  });
  cleanups.push(() => server.kill());
  const client = new TritonClient({ address: server.address, maxAttempts: 1 });
  cleanups.push(() => client.close());
  return { server, client, calls, requests };
}

async function failure(promise: Promise<unknown>): Promise<[string, string]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof TritonError)) throw new Error(`expected a TritonError, got ${String(error)}`);
  return [error.codeName, error.details];
}

describe('startTritonServer', () => {
  it('answers health, metadata and config, and records every call and request', async () => {
    const { client, calls } = await serve();
    expect([await client.serverLive(), await client.serverReady()]).toEqual([true, true]);
    expect(await client.serverMetadata()).toEqual({ name: 'test', version: '9', extensions: ['x'] });
    expect([await client.modelReady('unary'), await client.modelReady('nope')]).toEqual([true, false]);
    expect(await client.modelMetadata('stream')).toEqual(described('stream').metadata());
    expect(await client.modelConfig('unary')).toMatchObject({ name: 'unary', max_batch_size: 0 });
    expect(calls).toEqual([
      'ServerLive',
      'ServerReady',
      'ServerMetadata',
      'ModelReady',
      'ModelReady',
      'ModelMetadata',
      'ModelConfig',
    ]);
  });

  it("answers with Triton's statuses and messages", async () => {
    const { client } = await serve();
    expect(await failure(client.modelConfig('nope'))).toEqual([
      'NOT_FOUND',
      "Request for unknown model: 'nope' is not found",
    ]);
    expect(await failure(client.modelConfig('unary', { version: '2' }))).toEqual([
      'NOT_FOUND',
      "Request for unknown model: 'unary' version 2 is not found",
    ]);
    expect(await failure(client.infer({ model: 'stream', inputs: [] }))).toEqual([
      'UNIMPLEMENTED',
      "ModelInfer RPC doesn't support models with decoupled transaction policy",
    ]);
    expect(await failure(client.infer({ model: 'refusing', inputs: [] }))).toEqual([
      'INVALID_ARGUMENT',
      'CODES must be INT32',
    ]);
  });

  it('serves a stream: decoupled models by their handler, others as one final response, errors by request', async () => {
    const { client, calls, requests } = await serve();
    const [streamed, unary, refused] = await Promise.allSettled([
      client.streamInfer({ model: 'stream', inputs: [] }),
      client.streamInfer({ model: 'unary', inputs: [] }),
      client.streamInfer({ model: 'refusing', inputs: [] }),
    ]);
    const summary = (r: { outputs: Record<string, { data: ArrayLike<unknown> }>; parameters: object }) => [
      r.outputs['N']?.data[0],
      r.parameters,
    ];
    expect(streamed.status === 'fulfilled' && streamed.value.map(summary)).toEqual([
      [1, { triton_final_response: false }],
      [2, { triton_final_response: true }],
    ]);
    expect(unary.status === 'fulfilled' && unary.value.map(summary)).toEqual([
      [7, { triton_final_response: true }],
    ]);
    expect(refused.status === 'rejected' && (refused.reason as TritonError).details).toBe('the model broke');
    expect(calls).toEqual(['ModelStreamInfer.open']);
    expect(requests).toEqual(['stream#1', 'unary#2', 'refusing#3']);
  });

  it('maps other errors with statusOf', async () => {
    const { client } = await serve({
      statusOf: () => ({ code: status.INTERNAL, details: '[INTERNAL] mapped' }),
    });
    // the client reads the error class tag a model puts in front of its message
    expect(await failure(client.streamInfer({ model: 'refusing', inputs: [] }))).toEqual([
      'INTERNAL',
      'mapped',
    ]);
  });

  it('on close, ends the open streams with the given status at once', async () => {
    let arrived!: () => void;
    const requested = new Promise<void>((resolve) => (arrived = resolve));
    const { server, client } = await serve({
      closeStreams: (inFlight) => ({
        code: status.UNAVAILABLE,
        details: `closing with ${inFlight} in flight`,
      }),
      closeGraceMs: 1000,
      onRequest: () => arrived(),
    });
    const pending = client.streamInfer({ model: 'hanging', inputs: [] });
    await requested; // the request reached the server (not a fixed wait: a loaded machine can take longer)
    expect(server.openStreams()).toBe(1);
    const closed = server.close();
    const [code, details] = await failure(pending);
    expect([code, details]).toEqual(['UNAVAILABLE', expect.stringContaining('closing with 1 in flight')]);
    await closed;
    expect(server.openStreams()).toBe(0);
  });

  it('says which server could not start, and where', async () => {
    const { server } = await serve();
    await expect(serve({ port: server.port })).rejects.toThrow(
      new RegExp(`^Cannot start the test server on 127\\.0\\.0\\.1:${server.port}: `),
    );
  });
});
