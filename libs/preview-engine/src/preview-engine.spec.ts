import {
  MusicgenClient,
  TritonClient,
  TritonError,
  type InferRequest,
  type Tensor,
} from '@musicgen/triton-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCodes } from './decode-codes.js';
import { startPreviewEngine, type PreviewEngine } from './preview-engine.js';
import { previewFacts } from './preview-facts.js';
import { previewReferenceCodes } from './reference-codes.js';

const text = (value: string): Tensor => ({
  name: 'TEXT',
  datatype: 'BYTES',
  shape: [1],
  data: [Buffer.from(value)],
});
const frames = (n: number): Tensor => ({
  name: 'NUM_FRAMES',
  datatype: 'INT32',
  shape: [1],
  data: Int32Array.of(n),
});
const lm = (...inputs: Tensor[]): InferRequest => ({ model: 'musicgen_lm', inputs });

async function failure(promise: Promise<unknown>): Promise<{ code: string; details: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TritonError) return { code: error.codeName, details: error.details };
    throw error;
  }
  throw new Error('expected a TritonError');
}

describe('preview engine over gRPC with the Triton client', () => {
  let engine: PreviewEngine;
  let client: TritonClient;
  let musicgen: MusicgenClient;

  beforeAll(async () => {
    engine = await startPreviewEngine({ maxDecodeFrames: 120 });
    client = new TritonClient({ address: engine.url });
    musicgen = new MusicgenClient({ client });
  });
  afterAll(async () => {
    client.close();
    await engine.close();
  });

  it('answers health and server metadata', async () => {
    expect(engine.url).toBe(`127.0.0.1:${engine.port}`);
    expect([await client.serverLive(), await client.serverReady()]).toEqual([true, true]);
    expect(await client.serverMetadata()).toEqual({
      name: 'musicgen-preview',
      version: '0.1.0',
      extensions: ['model_configuration', 'binary_tensor_data', 'parameters'],
    });
    expect([await client.modelReady('musicgen_lm'), await client.modelReady('encodec_decode')]).toEqual([
      true,
      true,
    ]);
    expect(await client.modelReady('nope')).toBe(false);
  });

  it('reports platform preview and the contract tensors', async () => {
    expect(await client.modelMetadata('musicgen_lm')).toEqual({
      name: 'musicgen_lm',
      versions: ['1'],
      platform: 'preview',
      inputs: [
        { name: 'TEXT', datatype: 'BYTES', shape: [1] },
        { name: 'NUM_FRAMES', datatype: 'INT32', shape: [1] },
        { name: 'PROMPT_CODES', datatype: 'INT32', shape: [4, -1] },
        { name: 'SEED', datatype: 'INT64', shape: [1] },
        { name: 'GUIDANCE_SCALE', datatype: 'FP32', shape: [1] },
        { name: 'TOP_K', datatype: 'INT32', shape: [1] },
        { name: 'TOP_P', datatype: 'FP32', shape: [1] },
        { name: 'TEMPERATURE', datatype: 'FP32', shape: [1] },
      ],
      outputs: [
        { name: 'CODES', datatype: 'INT32', shape: [4, -1] },
        { name: 'FRAMES_DONE', datatype: 'INT32', shape: [1] },
        { name: 'QUEUE_POSITION', datatype: 'INT32', shape: [1] },
        { name: 'TEXT_TOKENS', datatype: 'INT32', shape: [2] },
      ],
    });
    const config = await client.modelConfig('encodec_decode');
    expect(config).toMatchObject({
      name: 'encodec_decode',
      platform: 'preview',
      max_batch_size: 0,
      input: [{ name: 'CODES', data_type: 'TYPE_INT32', dims: [1, 4, -1] }],
      output: [{ name: 'AUDIO', data_type: 'TYPE_FP32', dims: [1, -1] }],
      parameters: { max_frames: { string_value: '120' } },
      model_transaction_policy: { decoupled: false },
    });
    expect((await client.modelConfig('musicgen_lm')).model_transaction_policy).toEqual({ decoupled: true });
  });

  it('fails unknown models with NOT_FOUND and unary musicgen_lm like Triton does', async () => {
    expect(await failure(client.modelMetadata('nope'))).toEqual({
      code: 'NOT_FOUND',
      details: "Request for unknown model: 'nope' is not found",
    });
    expect(await failure(client.infer(lm(text('x'), frames(5))))).toEqual({
      code: 'UNIMPLEMENTED',
      details: "ModelInfer RPC doesn't support models with decoupled transaction policy",
    });
  });

  it('streams a window equal to the reference, with progress every 50 frames', async () => {
    const seen: number[] = [];
    const codes = await musicgen.generateWindow({
      text: 'calm lofi piano',
      frames: 175,
      seed: 7n,
      onProgress: (p) => seen.push(p.framesDone),
    });
    expect(seen).toEqual([0, 50, 100, 150, 175]); // the acknowledgement first
    expect(codes).toEqual(previewReferenceCodes({ text: 'calm lofi piano', frames: 175, seed: 7n }));
  });

  it('continues from prompt codes', async () => {
    const context = await musicgen.generateWindow({ text: 'strings', frames: 100, seed: 1n });
    const next = await musicgen.generateWindow({
      text: 'strings',
      frames: 60,
      seed: 2n,
      promptCodes: context,
      temperature: 0.7,
    });
    expect(next).toEqual(
      previewReferenceCodes({
        text: 'strings',
        frames: 60,
        seed: 2n,
        promptCodes: context,
        temperature: 0.7,
      }),
    );
  });

  it('decodes codes with a unary call, equal to decodeCodes', async () => {
    const codes = previewReferenceCodes({ text: 'bells', frames: 40 });
    expect(await musicgen.decode(codes)).toEqual(decodeCodes(codes.data, 40));
  });

  it('decodes codes longer than max_frames in segments the client joins', async () => {
    const codes = previewReferenceCodes({ text: 'ambient', frames: 300 });
    const audio = await musicgen.decode(codes);
    const whole = decodeCodes(codes.data, 300);
    expect(audio.length).toBe(300 * 640);
    expect(audio.subarray(0, 60 * 640)).toEqual(whole.subarray(0, 60 * 640));
  });

  it('fails a bad request inside a multiplexed stream alone', async () => {
    const results = await Promise.allSettled([
      musicgen.generateWindow({ text: 'a', frames: 80, seed: 1n }),
      client.streamInfer(lm(text('b'), frames(0))),
      musicgen.generateWindow({ text: 'c', frames: 80, seed: 3n }),
    ]);
    expect(results[0]).toEqual({
      status: 'fulfilled',
      value: previewReferenceCodes({ text: 'a', frames: 80, seed: 1n }),
    });
    expect(results[2]).toEqual({
      status: 'fulfilled',
      value: previewReferenceCodes({ text: 'c', frames: 80, seed: 3n }),
    });
    expect(results[1].status).toBe('rejected');
    const error = (results[1] as PromiseRejectedResult).reason as TritonError;
    expect([error.rpc, error.model, error.details]).toEqual([
      'ModelStreamInfer',
      'musicgen_lm',
      'NUM_FRAMES must be between 1 and 1500 - P (P = 0 prompt frames): got 0',
    ]);
  });

  it.each<[string, InferRequest, string]>([
    ['missing TEXT', lm(frames(5)), 'TEXT is required: got inputs [NUM_FRAMES]'],
    [
      'a prompt code out of range',
      lm(text('x'), frames(5), {
        name: 'PROMPT_CODES',
        datatype: 'INT32',
        shape: [4, 1],
        data: Int32Array.of(0, 0, 4000, 0),
      }),
      'PROMPT_CODES value out of range 0..2047 at [2, 0]: got 4000',
    ],
    [
      'too many frames after a prompt',
      lm(text('x'), frames(1200), {
        name: 'PROMPT_CODES',
        datatype: 'INT32',
        shape: [4, 600],
        data: new Int32Array(2400),
      }),
      'NUM_FRAMES must be between 1 and 1500 - P (P = 600 prompt frames): got 1200',
    ],
    [
      'a wrong datatype',
      lm(text('x'), { name: 'NUM_FRAMES', datatype: 'INT64', shape: [1], data: BigInt64Array.of(5n) }),
      'NUM_FRAMES must have datatype INT32: got INT64',
    ],
    [
      'an unknown input',
      lm(text('x'), frames(5), { name: 'LENGTH', datatype: 'INT32', shape: [1], data: Int32Array.of(5) }),
      "unknown input for model 'musicgen_lm' (inputs: TEXT, NUM_FRAMES, PROMPT_CODES, SEED, GUIDANCE_SCALE, TOP_K, TOP_P, TEMPERATURE): got 'LENGTH'",
    ],
    [
      'an unknown model',
      { model: 'musicgen_xl', inputs: [text('x')] },
      "Request for unknown model: 'musicgen_xl' is not found",
    ],
  ])('rejects %s on the stream with a message naming input and value', async (_, request, details) => {
    // A model's refusal travels tagged [INVALID_ARG] and the client maps it back; the server's own
    // errors (an unknown model) have no tag and stay UNKNOWN, as with Triton.
    const code = details.startsWith('Request for unknown model') ? 'UNKNOWN' : 'INVALID_ARGUMENT';
    expect(await failure(client.streamInfer(request))).toEqual({ code, details });
  });

  it('rejects bad decode inputs with INVALID_ARGUMENT', async () => {
    const codes: Tensor = { name: 'CODES', datatype: 'INT32', shape: [1, 4, 121], data: new Int32Array(484) };
    expect(await failure(client.infer({ model: 'encodec_decode', inputs: [codes] }))).toEqual({
      code: 'INVALID_ARGUMENT',
      details: 'CODES must have at most 120 frames (max_frames): got 121',
    });
  });
});

describe('preview engine timing behaviour (throttled)', () => {
  it('fails a request whose deadline passes, and the next request still works', async () => {
    const engine = await startPreviewEngine({ framesPerSecond: 100 });
    const client = new TritonClient({ address: engine.url });
    const musicgen = new MusicgenClient({ client });
    try {
      expect(
        await failure(musicgen.generateWindow({ text: 'x', frames: 1000, deadlineMs: 300 })),
      ).toMatchObject({
        code: 'DEADLINE_EXCEEDED',
      });
      expect(await musicgen.generateWindow({ text: 'x', frames: 20 })).toEqual(
        previewReferenceCodes({ text: 'x', frames: 20 }),
      );
    } finally {
      client.close();
      await engine.close();
    }
  });

  it('cancels a request with an AbortSignal', async () => {
    const engine = await startPreviewEngine({ framesPerSecond: 100 });
    const client = new TritonClient({ address: engine.url, streamMode: 'per-request' });
    const musicgen = new MusicgenClient({ client });
    try {
      const controller = new AbortController();
      const pending = musicgen.generateWindow({
        text: 'x',
        frames: 1000,
        signal: controller.signal,
        onProgress: () => controller.abort(),
      });
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
      expect(await musicgen.generateWindow({ text: 'y', frames: 10 })).toEqual(
        previewReferenceCodes({ text: 'y', frames: 10 }),
      );
    } finally {
      client.close();
      await engine.close();
    }
  });

  it('fails in-flight requests when the engine stops mid-stream, and serves new ones after a restart on the same port', async () => {
    const first = await startPreviewEngine({ framesPerSecond: 100 });
    const client = new TritonClient({ address: first.url });
    const musicgen = new MusicgenClient({ client });
    try {
      let stopping: Promise<void> | undefined;
      const windows = [1, 2, 3].map((seed) =>
        musicgen.generateWindow({
          text: 'kill me',
          frames: 1000,
          seed,
          onProgress: () => {
            stopping ??= first.close();
          },
        }),
      );
      const outcomes = await Promise.all(windows.map((w) => failure(w)));
      await stopping;
      for (const outcome of outcomes) {
        expect(outcome.code).toBe('UNAVAILABLE');
        expect(outcome.details).toContain(`preview engine at ${first.url} is shutting down`);
      }
      const second = await startPreviewEngine({ port: first.port });
      try {
        expect(await client.serverReady()).toBe(true);
        expect(await musicgen.generateWindow({ text: 'back', frames: 30 })).toEqual(
          previewReferenceCodes({ text: 'back', frames: 30 }),
        );
      } finally {
        await second.close();
      }
    } finally {
      client.close();
    }
  });
});

describe('preview engine facts and capacity', () => {
  it('publishes its facts through musicgen_info: preview weights, its own model id, its real capacity', async () => {
    const engine = await startPreviewEngine({
      maxConcurrentRequests: 3,
      maxQueueSize: 7,
      maxDecodeFrames: 500,
      livenessIntervalMs: 250,
    });
    const client = new TritonClient({ address: engine.url });
    try {
      expect(await new MusicgenClient({ client }).facts()).toEqual(
        previewFacts({
          maxConcurrentRequests: 3,
          maxQueueSize: 7,
          maxDecodeFrames: 500,
          livenessIntervalMs: 250,
        }),
      );
      expect(
        previewFacts({
          maxConcurrentRequests: 3,
          maxQueueSize: 7,
          maxDecodeFrames: 500,
          livenessIntervalMs: 250,
        }),
      ).toEqual({
        contract: '1.3',
        lm: {
          instances: 1,
          modelId: 'musicgen-preview',
          source: 'preview',
          revision: null,
          weights: 'preview',
          device: 'cpu',
          dtypes: {},
          maxConcurrentRequests: 3,
          maxQueueSize: 7,
          maxTextTokens: 64,
          maxTotalFrames: 1500,
          livenessIntervalMs: 250,
        },
        decode: {
          instances: 1,
          modelId: 'musicgen-preview',
          source: 'preview',
          revision: null,
          weights: 'preview',
          device: 'cpu',
          dtypes: {},
          maxFrames: 500,
          maxBatchSize: 1,
        },
      });
    } finally {
      client.close();
      await engine.close();
    }
  });

  it('generates at most its slots at once and refuses, tagged UNAVAILABLE, beyond its queue', async () => {
    const engine = await startPreviewEngine({
      framesPerSecond: 50,
      maxConcurrentRequests: 1,
      maxQueueSize: 1,
    });
    const client = new TritonClient({ address: engine.url });
    const musicgen = new MusicgenClient({ client });
    try {
      let firstStarted!: () => void;
      const started = new Promise<void>((resolve) => (firstStarted = resolve));
      const first = musicgen.generateWindow({ text: 'a', frames: 100, onProgress: () => firstStarted() });
      await started;
      let inLine!: () => void;
      const waiting = new Promise<void>((resolve) => (inLine = resolve));
      const queued = musicgen.generateWindow({
        text: 'b',
        frames: 10,
        onProgress: (progress) => {
          if (progress.queuePosition === 1) inLine();
        },
      });
      await waiting; // its acknowledgement says it waits first in line
      expect(await failure(musicgen.generateWindow({ text: 'c', frames: 10 }))).toEqual({
        code: 'UNAVAILABLE',
        details: 'Cannot accept request as all 1 slots are busy and 1 requests are waiting: try again later',
      });
      expect(await Promise.all([first, queued])).toEqual([
        previewReferenceCodes({ text: 'a', frames: 100 }),
        previewReferenceCodes({ text: 'b', frames: 10 }),
      ]);
    } finally {
      client.close();
      await engine.close();
    }
  });
});
