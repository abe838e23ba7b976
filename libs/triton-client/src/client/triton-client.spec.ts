import { Client, credentials, status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { TritonError } from '../errors/triton-error.js';
import type { Tensor } from '../tensor/datatype.js';
import {
  FAKE_LM_FAULTS,
  fakeCodes,
  fakeEncodecDecode,
  fakeMusicgenLm,
  responseFor,
  RpcStatusError,
  startTestTritonServer,
  type TestTritonServer,
  type TestTritonServerOptions,
} from '../testing/index.js';
import type { InferRequest } from './infer-types.js';
import { TritonClient } from './triton-client.js';
import type { TritonClientOptions } from './triton-client-options.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  serverOptions: TestTritonServerOptions = {
    models: { musicgen_lm: fakeMusicgenLm(), encodec_decode: fakeEncodecDecode() },
  },
  clientOptions: Partial<TritonClientOptions> = {},
): Promise<{ server: TestTritonServer; client: TritonClient }> {
  const server = await startTestTritonServer(serverOptions);
  cleanups.push(() => server.kill());
  const client = new TritonClient({
    address: server.address,
    backoff: { initialDelayMs: 1, jitter: 0 },
    ...clientOptions,
  });
  cleanups.push(() => client.close());
  return { server, client };
}

function lmRequest(text: string, frames: number, seed = 0n): InferRequest {
  const inputs: Tensor[] = [
    { name: 'TEXT', datatype: 'BYTES', shape: [1], data: [new TextEncoder().encode(text)] },
    { name: 'NUM_FRAMES', datatype: 'INT32', shape: [1], data: Int32Array.of(frames) },
    { name: 'SEED', datatype: 'INT64', shape: [1], data: BigInt64Array.of(seed) },
  ];
  return { model: 'musicgen_lm', inputs };
}

async function rejection(promise: Promise<unknown>): Promise<TritonError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof TritonError)) throw new Error(`expected a TritonError, got ${String(error)}`);
  return error;
}

function summary(error: TritonError) {
  return {
    message: error.message,
    code: error.code,
    codeName: error.codeName,
    details: error.details,
    model: error.model,
    requestId: error.requestId,
  };
}

describe('TritonClient health, metadata and config', () => {
  it('reads live, ready, server metadata, model readiness, metadata and config', async () => {
    const { client } = await setup();
    expect(await client.serverLive()).toBe(true);
    expect(await client.serverReady()).toBe(true);
    expect(await client.serverMetadata()).toEqual({ name: 'scripted', version: '0', extensions: [] });
    expect(await client.modelReady('musicgen_lm')).toBe(true);
    expect(await client.modelReady('nope')).toBe(false);
    const metadata = await client.modelMetadata('encodec_decode');
    expect(metadata).toEqual({
      name: 'encodec_decode',
      versions: ['1'],
      platform: 'scripted',
      inputs: [{ name: 'CODES', datatype: 'INT32', shape: [1, 4, -1] }],
      outputs: [{ name: 'AUDIO', datatype: 'FP32', shape: [1, -1] }],
    });
    const config = await client.modelConfig('encodec_decode');
    expect(config).toEqual({
      name: 'encodec_decode',
      platform: '',
      backend: 'scripted',
      max_batch_size: 0,
      input: [{ name: 'CODES', data_type: 'TYPE_INT32', dims: [1, 4, -1], optional: false }],
      output: [{ name: 'AUDIO', data_type: 'TYPE_INT32', dims: [1, -1] }].map((o) => ({
        ...o,
        data_type: 'TYPE_FP32',
      })),
      parameters: { max_frames: { string_value: '3000' } },
      model_transaction_policy: { decoupled: false },
    });
  });

  it('turns a gRPC status into a TritonError with code, details, model and the caller stack', async () => {
    const { client } = await setup();
    const error = await rejection(client.modelConfig('nope'));
    expect(summary(error)).toEqual({
      message:
        "ModelConfig for model 'nope' failed with NOT_FOUND: Request for unknown model: 'nope' is not found",
      code: status.NOT_FOUND,
      codeName: 'NOT_FOUND',
      details: "Request for unknown model: 'nope' is not found",
      model: 'nope',
      requestId: undefined,
    });
    expect(error.stack).toContain('triton-client.spec.ts');
  });

  it('retries UNAVAILABLE on safe calls and gives up after maxAttempts', async () => {
    let failures = 2;
    const health = () => {
      if (failures-- > 0) throw new RpcStatusError(status.UNAVAILABLE, 'warming up');
      return { live: true, ready: true };
    };
    const { client, server } = await setup({ health }, { maxAttempts: 3 });
    expect(await client.serverLive()).toBe(true);
    expect(server.calls).toEqual(['ServerLive', 'ServerLive', 'ServerLive']);

    failures = 5;
    const error = await rejection(client.serverReady());
    expect(summary(error)).toEqual({
      message: 'ServerReady failed with UNAVAILABLE: warming up',
      code: status.UNAVAILABLE,
      codeName: 'UNAVAILABLE',
      details: 'warming up',
      model: undefined,
      requestId: undefined,
    });
    expect(server.calls.slice(3)).toEqual(['ServerReady', 'ServerReady', 'ServerReady']);
  });

  it('does not retry other codes', async () => {
    const health = () => {
      throw new RpcStatusError(status.INTERNAL, 'broken');
    };
    const { client, server } = await setup({ health });
    expect((await rejection(client.serverLive())).codeName).toBe('INTERNAL');
    expect(server.calls).toEqual(['ServerLive']);
  });

  it('fails with DEADLINE_EXCEEDED when the server answers too late', async () => {
    const slow = {
      infer: async (request: Parameters<NonNullable<ReturnType<typeof fakeEncodecDecode>['infer']>>[0]) => {
        await new Promise((resolve) => setTimeout(resolve, 500));
        return responseFor(request, []);
      },
    };
    const { client } = await setup({ models: { slow } });
    const error = await rejection(client.infer({ model: 'slow', inputs: [] }, { deadlineMs: 50 }));
    expect([error.codeName, error.model, error.requestId, error.rpc]).toEqual([
      'DEADLINE_EXCEEDED',
      'slow',
      '1',
      'ModelInfer',
    ]);
  });

  it('rejects with the abort reason when the signal aborts a unary call', async () => {
    const slow = { infer: () => new Promise<never>(() => undefined) };
    const { client } = await setup({ models: { slow } });
    const controller = new AbortController();
    const pending = client.infer({ model: 'slow', inputs: [] }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('TritonClient with an injected grpc-js client', () => {
  it('uses the injected channel and leaves it open on close', async () => {
    const server = await startTestTritonServer({ models: { musicgen_lm: fakeMusicgenLm() } });
    cleanups.push(() => server.kill());
    const channel = new Client(server.address, credentials.createInsecure());
    cleanups.push(() => channel.close());
    const client = new TritonClient({ grpcClient: channel });
    expect([client.address, await client.serverLive()]).toEqual(['injected', true]);
    expect((await client.streamInfer(lmRequest('x', 10))).length).toBe(1);
    client.close();
    const other = new TritonClient({ grpcClient: channel });
    cleanups.push(() => other.close());
    expect(await other.modelReady('musicgen_lm')).toBe(true);
  });
});

describe('TritonClient.infer', () => {
  it('sends raw inputs and decodes raw outputs', async () => {
    const { client, server } = await setup();
    const codes = new Int32Array(4 * 2).fill(2047);
    const result = await client.infer({
      model: 'encodec_decode',
      inputs: [{ name: 'CODES', datatype: 'INT32', shape: [1, 4, 2], data: codes }],
      parameters: { flag: true, count: 3, ratio: 0.5, big: 2n ** 40n, label: 'x' },
    });
    expect(result.outputs['AUDIO']?.shape).toEqual([1, 1280]);
    expect(result.outputs['AUDIO']?.data[1]).toBe(Math.fround(2047 / 4096 + 1 / 1e6));
    expect(server.requests[0]?.parameters).toEqual({
      flag: { bool_param: true, parameter_choice: 'bool_param' },
      count: { int64_param: '3', parameter_choice: 'int64_param' },
      ratio: { double_param: 0.5, parameter_choice: 'double_param' },
      big: { int64_param: '1099511627776', parameter_choice: 'int64_param' },
      label: { string_param: 'x', parameter_choice: 'string_param' },
    });
  });

  it('retries UNAVAILABLE only when the request is marked idempotent', async () => {
    let failures = 0;
    const flaky = {
      infer: (request: Parameters<NonNullable<ReturnType<typeof fakeEncodecDecode>['infer']>>[0]) => {
        if (failures-- > 0) throw new RpcStatusError(status.UNAVAILABLE, 'busy');
        return responseFor(request, []);
      },
    };
    const { client, server } = await setup({ models: { flaky } });
    failures = 1;
    expect((await rejection(client.infer({ model: 'flaky', inputs: [] }))).codeName).toBe('UNAVAILABLE');
    failures = 1;
    expect((await client.infer({ model: 'flaky', inputs: [] }, { idempotent: true })).outputs).toEqual({});
    expect(server.calls).toEqual(['ModelInfer', 'ModelInfer', 'ModelInfer']);
  });
});

describe('TritonClient.streamInfer', () => {
  it('multiplexes requests over one stream, matching responses by id, with progress per response', async () => {
    const { client, server } = await setup();
    const progress: Record<string, number[]> = { a: [], b: [] };
    const [a, b] = await Promise.all([
      client.streamInfer(lmRequest('a', 120, 1n), {
        onResponse: (r) => progress['a']?.push(r.outputs['FRAMES_DONE']?.data[0] as number),
      }),
      client.streamInfer(lmRequest('b', 30, 2n), {
        onResponse: (r) => progress['b']?.push(r.outputs['FRAMES_DONE']?.data[0] as number),
      }),
    ]);
    expect(progress).toEqual({ a: [50, 100, 120], b: [30] });
    expect(a.map((r) => r.outputs['CODES']?.shape)).toEqual([
      [4, 50],
      [4, 50],
      [4, 20],
    ]);
    expect(b[0]?.outputs['CODES']?.data).toEqual(fakeCodes(2n, 30));
    expect(server.calls).toEqual(['ModelStreamInfer.open']);
    expect(server.requests.map((r) => r.parameters?.['triton_enable_empty_final_response'])).toEqual([
      { bool_param: true, parameter_choice: 'bool_param' },
      { bool_param: true, parameter_choice: 'bool_param' },
    ]);
    expect(client.streamRequestsInFlight).toBe(0);
  });

  it('keeps 300 concurrent requests on one stream, queueing writes past the stream buffer', async () => {
    const { client, server } = await setup();
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => client.streamInfer(lmRequest(`w${i}`, 60, BigInt(i)))),
    );
    const wrong = results.filter(
      (responses, i) =>
        responses.map((r) => r.outputs['FRAMES_DONE']?.data[0]).join() !== '50,60' ||
        responses[1]?.outputs['CODES']?.data[0] !== fakeCodes(BigInt(i), 60)[50],
    );
    expect(wrong).toEqual([]);
    expect(server.calls).toEqual(['ModelStreamInfer.open']);
  });

  it('passes responses only to onResponse when collect is false', async () => {
    const { client } = await setup();
    const seen: number[] = [];
    const responses = await client.streamInfer(lmRequest('x', 70), {
      collect: false,
      onResponse: (r) => seen.push(r.outputs['FRAMES_DONE']?.data[0] as number),
    });
    expect([responses, seen]).toEqual([[], [50, 70]]);
  });

  it('fails the request when onResponse throws, and keeps the stream', async () => {
    const { client } = await setup();
    const failure = new Error('caller gave up');
    await expect(
      client.streamInfer(lmRequest('x', 120), {
        onResponse: () => {
          throw failure;
        },
      }),
    ).rejects.toBe(failure);
    expect((await client.streamInfer(lmRequest('y', 10))).length).toBe(1);
  });

  it('fails only the request whose stream response carries an error_message', async () => {
    const { client } = await setup();
    const [ok, failed] = await Promise.allSettled([
      client.streamInfer(lmRequest('fine', 100)),
      client.streamInfer(lmRequest(FAKE_LM_FAULTS.FAIL, 100)),
    ]);
    expect(ok.status === 'fulfilled' && ok.value.length).toBe(2);
    expect(failed.status === 'rejected' && summary(failed.reason as TritonError)).toEqual({
      message:
        "ModelStreamInfer for model 'musicgen_lm' (request 2) failed with UNKNOWN: TEXT '<fail>' asks this request to fail",
      code: status.UNKNOWN,
      codeName: 'UNKNOWN',
      details: "TEXT '<fail>' asks this request to fail",
      model: 'musicgen_lm',
      requestId: '2',
    });
    expect((await client.streamInfer(lmRequest('after', 10))).length).toBe(1);
  });

  it('rejects a response whose raw bytes do not match its shape, naming output, shape and byte counts', async () => {
    const { client } = await setup();
    const error = await rejection(client.streamInfer(lmRequest(FAKE_LM_FAULTS.CORRUPT, 10)));
    expect(summary(error)).toEqual({
      message:
        "ModelStreamInfer for model 'musicgen_lm' (request 1) failed with INTERNAL: Cannot decode tensor 'CODES': " +
        'INT32 shape [4, 10] needs 160 bytes (40 × 4): got 156',
      code: status.INTERNAL,
      codeName: 'INTERNAL',
      details: "Cannot decode tensor 'CODES': INT32 shape [4, 10] needs 160 bytes (40 × 4): got 156",
      model: 'musicgen_lm',
      requestId: '1',
    });
    expect(error.cause).toBeInstanceOf(RangeError);
  });

  it('fails a request that exceeds its deadline and keeps the stream for others', async () => {
    const { client, server } = await setup();
    const error = await rejection(client.streamInfer(lmRequest(FAKE_LM_FAULTS.HANG, 10), { deadlineMs: 30 }));
    expect(summary(error)).toEqual({
      message:
        "ModelStreamInfer for model 'musicgen_lm' (request 1) failed with DEADLINE_EXCEEDED: deadline of 30 ms exceeded while waiting for the final response",
      code: status.DEADLINE_EXCEEDED,
      codeName: 'DEADLINE_EXCEEDED',
      details: 'deadline of 30 ms exceeded while waiting for the final response',
      model: 'musicgen_lm',
      requestId: '1',
    });
    expect((await client.streamInfer(lmRequest('next', 5))).length).toBe(1);
    expect(server.calls).toEqual(['ModelStreamInfer.open']);
  });

  it('stops waiting on abort with an AbortError and ignores late responses', async () => {
    const { client } = await setup({ models: { musicgen_lm: fakeMusicgenLm({ delayMs: 30 }) } });
    const controller = new AbortController();
    const pending = client.streamInfer(lmRequest('x', 100), { signal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(client.streamRequestsInFlight).toBe(0);
    expect((await client.streamInfer(lmRequest('y', 20))).length).toBe(1);
  });

  it('fails every request in flight when the server dies, then opens a new stream when it is back', async () => {
    const lm = fakeMusicgenLm({ delayMs: 20 });
    const { client, server } = await setup({ models: { musicgen_lm: lm } });
    const inFlight = [1, 2, 3].map((i) => client.streamInfer(lmRequest(`r${i}`, 1000)));
    // all three reached the server (each then generates for 20 s): a loaded machine can take a while
    while (server.requests.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    server.kill();
    const errors = await Promise.all(inFlight.map(rejection));
    expect(errors.map((e) => [e.codeName, e.requestId])).toEqual([
      ['UNAVAILABLE', '1'],
      ['UNAVAILABLE', '2'],
      ['UNAVAILABLE', '3'],
    ]);
    expect(errors[0]?.details).toMatch(
      new RegExp(`^stream to ${server.address.replace('.', '\\.')} closed while 3 requests were in flight: `),
    );
    const revived = await startTestTritonServer({
      port: server.port,
      models: { musicgen_lm: fakeMusicgenLm() },
    });
    cleanups.push(() => revived.kill());
    const after = await client.streamInfer(lmRequest('again', 60, 4n));
    expect(after.map((r) => r.outputs['FRAMES_DONE']?.data[0])).toEqual([50, 60]);
    expect(revived.calls).toEqual(['ModelStreamInfer.open']);
  });

  it('per-request mode opens one stream per request and cancels it on abort', async () => {
    const { client, server } = await setup(
      { models: { musicgen_lm: fakeMusicgenLm({ delayMs: 20 }) } },
      { streamMode: 'per-request' },
    );
    const results = await Promise.all([
      client.streamInfer(lmRequest('a', 10)),
      client.streamInfer(lmRequest('b', 10)),
    ]);
    expect(results.map((r) => r.length)).toEqual([1, 1]);
    expect(server.calls).toEqual(['ModelStreamInfer.open', 'ModelStreamInfer.open']);
    const controller = new AbortController();
    const pending = client.streamInfer(lmRequest('c', 500), { signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects requests after close with CANCELLED', async () => {
    const { client } = await setup();
    client.close();
    const error = await rejection(client.streamInfer(lmRequest('x', 1)));
    expect([error.codeName, error.details]).toEqual(['CANCELLED', `client for ${client.address} was closed`]);
  });
});
