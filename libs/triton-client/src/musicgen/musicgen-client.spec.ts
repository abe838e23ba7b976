import { equalPowerCrossfade } from '@musicgen/wav';
import { afterEach, describe, expect, it } from 'vitest';
import { TritonClient } from '../client/triton-client.js';
import { readInputs } from '../testing/read-inputs.js';
import type { ModelInferRequest, ModelStreamInferResponse } from '../grpc/messages.js';
import type { Tensor } from '../tensor/datatype.js';
import {
  fakeAudio,
  responseFor,
  fakeCodes,
  fakeEncodecDecode,
  fakeMusicgenInfo,
  fakeMusicgenLm,
  FAKE_LM_FAULTS,
  startTestTritonServer,
  type TestTritonServer,
} from '../testing/index.js';
import { sliceCodes, type Codes, type ServerFacts } from '@musicgen/contract';
import { MusicgenClient, type WindowProgress } from './musicgen-client.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function setup(maxFrames = 3000, decodeOverlapFrames?: number) {
  const server = await startTestTritonServer({
    models: { musicgen_lm: fakeMusicgenLm(), encodec_decode: fakeEncodecDecode({ maxFrames }) },
  });
  const client = new TritonClient({ address: server.address });
  cleanups.push(
    () => client.close(),
    () => server.kill(),
  );
  return { server, musicgen: new MusicgenClient({ client, decodeOverlapFrames }) };
}

/** Exact comparison of large sample arrays, reporting the first difference (toEqual is slow on them). */
function firstDifference(actual: Float32Array, expected: Float32Array): string {
  if (actual.length !== expected.length) return `length ${actual.length} instead of ${expected.length}`;
  const index = actual.findIndex((value, i) => !Object.is(value, expected[i]));
  return index === -1 ? 'none' : `sample ${index}: ${actual[index]} instead of ${expected[index]}`;
}

function inputsOf(server: TestTritonServer, index: number) {
  const request = server.requests[index];
  if (request === undefined) throw new Error(`no request ${index}`);
  return readInputs(request);
}

describe('MusicgenClient.generateWindow', () => {
  it('streams one window, reports progress and returns exactly NUM_FRAMES frames', async () => {
    const { musicgen, server } = await setup();
    const progress: Omit<WindowProgress, 'codes'>[] = [];
    const codes = await musicgen.generateWindow({
      text: 'calm piano',
      frames: 120,
      seed: 9n,
      onProgress: ({ framesDone, frames }) => progress.push({ framesDone, frames }),
    });
    expect(codes).toEqual({ frames: 120, data: fakeCodes(9n, 120) });
    expect(progress).toEqual([
      { framesDone: 50, frames: 120 },
      { framesDone: 100, frames: 120 },
      { framesDone: 120, frames: 120 },
    ]);
    expect(inputsOf(server, 0)).toEqual({
      TEXT: { name: 'TEXT', datatype: 'BYTES', shape: [1], data: [new TextEncoder().encode('calm piano')] },
      NUM_FRAMES: { name: 'NUM_FRAMES', datatype: 'INT32', shape: [1], data: Int32Array.of(120) },
      SEED: { name: 'SEED', datatype: 'INT64', shape: [1], data: BigInt64Array.of(9n) },
    });
  });

  it('sends every optional input in the contract datatypes and shapes', async () => {
    const { musicgen, server } = await setup();
    const prompt: Codes = { frames: 3, data: Int32Array.from({ length: 12 }, (_, i) => i * 100) };
    await musicgen.generateWindow({
      text: '',
      frames: 10,
      promptCodes: prompt,
      seed: 5,
      guidance: 1,
      topK: 0,
      topP: 0.9,
      temperature: 0.5,
    });
    expect(inputsOf(server, 0)).toEqual({
      TEXT: { name: 'TEXT', datatype: 'BYTES', shape: [1], data: [new Uint8Array(0)] },
      NUM_FRAMES: { name: 'NUM_FRAMES', datatype: 'INT32', shape: [1], data: Int32Array.of(10) },
      PROMPT_CODES: { name: 'PROMPT_CODES', datatype: 'INT32', shape: [4, 3], data: prompt.data },
      SEED: { name: 'SEED', datatype: 'INT64', shape: [1], data: BigInt64Array.of(5n) },
      GUIDANCE_SCALE: { name: 'GUIDANCE_SCALE', datatype: 'FP32', shape: [1], data: Float32Array.of(1) },
      TOP_K: { name: 'TOP_K', datatype: 'INT32', shape: [1], data: Int32Array.of(0) },
      TOP_P: { name: 'TOP_P', datatype: 'FP32', shape: [1], data: Float32Array.of(0.9) },
      TEMPERATURE: { name: 'TEMPERATURE', datatype: 'FP32', shape: [1], data: Float32Array.of(0.5) },
    });
  });

  const prompt600: Codes = { frames: 600, data: new Int32Array(2400) };
  it.each([
    [
      { frames: 0 },
      'Cannot generate a window: frames must be an integer from 1 to 1500 - P (P = 0 prompt frames): got 0',
    ],
    [
      { frames: 1501 },
      'Cannot generate a window: frames must be an integer from 1 to 1500 - P (P = 0 prompt frames): got 1501',
    ],
    [
      { frames: 1200, promptCodes: prompt600 },
      'Cannot generate a window: frames must be an integer from 1 to 1500 - P (P = 600 prompt frames): got 1200',
    ],
    [
      { frames: 10, promptCodes: { frames: 2, data: Int32Array.of(0, 0, 0, 0, 0, 4000, 0, 0) } },
      'Cannot generate a window: promptCodes value out of range 0..2047 at [2, 1]: got 4000',
    ],
    [
      { frames: 10, promptCodes: { frames: 2, data: new Int32Array(7) } },
      'Cannot generate a window: promptCodes must hold 4 × 2 = 8 codes: got 7',
    ],
    [
      { frames: 10, seed: 2n ** 63n },
      'Cannot generate a window: seed must be a 64-bit signed integer: got 9223372036854775808',
    ],
    [{ frames: 10, seed: 0.5 }, 'Cannot generate a window: seed must be a 64-bit signed integer: got 0.5'],
    [{ frames: 10, topK: -1 }, 'Cannot generate a window: TOP_K must be an integer from 0 to 2048: got -1'],
    [
      { frames: 10, topK: 2049 },
      'Cannot generate a window: TOP_K must be an integer from 0 to 2048: got 2049',
    ],
    [
      { frames: 10, guidance: 101 },
      'Cannot generate a window: GUIDANCE_SCALE must be a number from 0 to 100: got 101',
    ],
    [{ frames: 10, topP: 1.5 }, 'Cannot generate a window: TOP_P must be a number from 0 to 1: got 1.5'],
    [
      { frames: 10, temperature: NaN },
      'Cannot generate a window: TEMPERATURE must be a number from 0 to 100: got NaN',
    ],
    [
      { frames: 10, guidance: -1 },
      'Cannot generate a window: GUIDANCE_SCALE must be a number from 0 to 100: got -1',
    ],
  ])('rejects invalid request %# before sending', async (request, message) => {
    const { musicgen, server } = await setup();
    await expect(musicgen.generateWindow({ text: 'x', ...request })).rejects.toThrow(new RangeError(message));
    expect(server.requests).toEqual([]);
  });
});

describe('MusicgenClient against a server that breaks the contract', () => {
  it.each([
    {
      frames: [5],
      message:
        "ModelStreamInfer for model 'musicgen_lm' failed with INTERNAL: response breaks the model contract: the responses hold 5 frames for NUM_FRAMES 10",
    },
    {
      frames: [8, 8],
      message:
        "ModelStreamInfer for model 'musicgen_lm' (request 1) failed with INTERNAL: response breaks the model contract: the responses hold more than NUM_FRAMES 10 frames",
    },
  ])('rejects responses holding $frames frames for 10 asked', async ({ frames, message }) => {
    const lm = {
      stream: (request: ModelInferRequest, send: (m: ModelStreamInferResponse) => void) => {
        frames.forEach((n, i) => {
          const codes: Tensor = {
            name: 'CODES',
            datatype: 'INT32',
            shape: [4, n],
            data: new Int32Array(4 * n),
          };
          const done: Tensor = { name: 'FRAMES_DONE', datatype: 'INT32', shape: [1], data: Int32Array.of(n) };
          send({ infer_response: responseFor(request, [codes, done], false) });
          if (i === frames.length - 1) send({ infer_response: responseFor(request, [], true) });
        });
      },
    };
    const server = await startTestTritonServer({ models: { musicgen_lm: lm } });
    const client = new TritonClient({ address: server.address });
    cleanups.push(
      () => client.close(),
      () => server.kill(),
    );
    const musicgen = new MusicgenClient({ client });
    await expect(musicgen.generateWindow({ text: 'x', frames: 10 })).rejects.toMatchObject({
      name: 'TritonError',
      codeName: 'INTERNAL',
      message,
    });
  });
});

describe('MusicgenClient and tagged model errors', () => {
  it('maps an [INVALID_ARG] stream error to INVALID_ARGUMENT without the tag', async () => {
    const { musicgen } = await setup();
    await expect(musicgen.generateWindow({ text: FAKE_LM_FAULTS.INVALID, frames: 10 })).rejects.toMatchObject(
      {
        name: 'TritonError',
        codeName: 'INVALID_ARGUMENT',
        details: "Cannot accept request as TEXT '<invalid>' asks to be refused",
      },
    );
  });

  it('keeps an untagged stream error UNKNOWN', async () => {
    const { musicgen } = await setup();
    await expect(musicgen.generateWindow({ text: FAKE_LM_FAULTS.FAIL, frames: 100 })).rejects.toMatchObject({
      codeName: 'UNKNOWN',
      details: "TEXT '<fail>' asks this request to fail",
    });
  });
});

const FACTS: ServerFacts = {
  contract: '1.1',
  lm: {
    instances: 1,
    modelId: '/models/tiny',
    source: '/models/tiny',
    revision: null,
    weights: 'random',
    device: 'cpu',
    dtypes: { text_encoder: 'float32', decoder: 'float32' },
    maxConcurrentRequests: 24,
    maxQueueSize: 256,
    maxTextTokens: 64,
    maxTotalFrames: 1500,
  },
};

describe('MusicgenClient.facts', () => {
  async function serve(models: Parameters<typeof startTestTritonServer>[0]) {
    const server = await startTestTritonServer(models);
    const client = new TritonClient({ address: server.address });
    cleanups.push(
      () => client.close(),
      () => server.kill(),
    );
    return new MusicgenClient({ client });
  }

  it('reads what musicgen_info publishes', async () => {
    const musicgen = await serve({ models: { musicgen_info: fakeMusicgenInfo(FACTS) } });
    expect(await musicgen.facts()).toEqual(FACTS);
  });

  it('is undefined for a server without musicgen_info', async () => {
    const musicgen = await serve({ models: { musicgen_lm: fakeMusicgenLm() } });
    expect(await musicgen.facts()).toBeUndefined();
  });

  it('refuses a malformed document as a contract breach', async () => {
    const musicgen = await serve({
      models: { musicgen_info: fakeMusicgenInfo('{"contract":"1.1","models":7}') },
    });
    await expect(musicgen.facts()).rejects.toMatchObject({
      codeName: 'INTERNAL',
      message:
        "ModelInfer for model 'musicgen_info' (request 1) failed with INTERNAL: response breaks the model contract: Cannot read the server's facts as models must be an object: current value is 7",
    });
  });
});

describe('MusicgenClient.decode', () => {
  it('decodes codes within max_frames in one request', async () => {
    const { musicgen, server } = await setup();
    const codes = { frames: 100, data: fakeCodes(3n, 100) };
    expect(firstDifference(await musicgen.decode(codes), fakeAudio(codes.data, 100))).toBe('none');
    expect(server.calls).toEqual(['ModelConfig', 'ModelInfer']);
  });

  it('receives audio larger than grpc-js default 4 MiB message limit', async () => {
    const { musicgen } = await setup();
    const codes = { frames: 2000, data: fakeCodes(5n, 2000) };
    const audio = await musicgen.decode(codes);
    expect(firstDifference(audio, fakeAudio(codes.data, 2000))).toBe('none');
  });

  it('decodes longer codes in overlapping segments joined with an equal-power crossfade', async () => {
    const { musicgen, server } = await setup(50, 10);
    const codes = { frames: 130, data: fakeCodes(11n, 130) };
    const audio = await musicgen.decode(codes);

    const decodeOf = (start: number, end: number) =>
      fakeAudio(sliceCodes(codes, start, end).data, end - start);
    const first = equalPowerCrossfade(decodeOf(0, 50), decodeOf(40, 90), 6400);
    expect(firstDifference(audio, equalPowerCrossfade(first, decodeOf(80, 130), 6400))).toBe('none');
    expect(server.requests.map((r) => r.inputs[0]?.shape)).toEqual([
      ['1', '4', '50'],
      ['1', '4', '50'],
      ['1', '4', '50'],
    ]);
    expect(server.requests.map((r) => readInputs(r)['CODES']?.data)).toEqual([
      sliceCodes(codes, 0, 50).data,
      sliceCodes(codes, 40, 90).data,
      sliceCodes(codes, 80, 130).data,
    ]);

    await musicgen.decode({ frames: 60, data: fakeCodes(1n, 60) });
    expect(server.calls.filter((c) => c === 'ModelConfig')).toEqual(['ModelConfig']);
  });

  it('rejects malformed codes before sending', async () => {
    const { musicgen } = await setup();
    await expect(musicgen.decode({ frames: 0, data: new Int32Array(0) })).rejects.toThrow(
      new RangeError('Cannot decode codes: codes must have at least 1 frame(s): got 0'),
    );
  });
});

describe('MusicgenClient options', () => {
  it('rejects a negative overlap', () => {
    const client = new TritonClient({ address: '127.0.0.1:1' });
    cleanups.push(() => client.close());
    expect(() => new MusicgenClient({ client, decodeOverlapFrames: -1 })).toThrow(
      new RangeError(
        "Cannot create a MusicGen client: 'decodeOverlapFrames' must be an integer >= 0: got -1",
      ),
    );
  });
});
