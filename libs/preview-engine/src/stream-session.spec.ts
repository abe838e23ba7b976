import {
  makeGenericClientConstructor,
  credentials,
  type Client,
  type ClientDuplexStream,
} from '@grpc/grpc-js';
import {
  encodeRawTensor,
  loadInferenceService,
  type InferParameter,
  type ModelInferRequest,
  type ModelStreamInferResponse,
  type Tensor,
} from '@musicgen/triton-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPreviewEngine, type PreviewEngine } from './preview-engine.js';

type Stream = ClientDuplexStream<ModelInferRequest, ModelStreamInferResponse>;

function wire(
  id: string,
  model: string,
  tensors: Tensor[],
  parameters: Record<string, InferParameter> = {},
): ModelInferRequest {
  return {
    model_name: model,
    id,
    parameters,
    inputs: tensors.map(({ name, datatype, shape }) => ({ name, datatype, shape: [...shape] })),
    raw_input_contents: tensors.map((t) => encodeRawTensor(t)),
  };
}

const lmInputs = (n: number): Tensor[] => [
  { name: 'TEXT', datatype: 'BYTES', shape: [1], data: [Buffer.from('synth')] },
  { name: 'NUM_FRAMES', datatype: 'INT32', shape: [1], data: Int32Array.of(n) },
];
const EMPTY_FINAL = { triton_enable_empty_final_response: { bool_param: true } };

/** A summary of one response: id, final flag, output names and shapes, error. */
function summary(m: ModelStreamInferResponse) {
  const r = m.infer_response;
  return {
    id: r?.id,
    error: m.error_message,
    final: r?.parameters?.['triton_final_response']?.bool_param,
    outputs: r?.outputs.map((o) => `${o.name}[${o.shape.join(',')}]`),
  };
}

/** Sends requests on one stream, half-closes it, and collects everything until the server ends it. */
function exchange(client: Client, requests: ModelInferRequest[]): Promise<ModelStreamInferResponse[]> {
  const stream = (client as unknown as { ModelStreamInfer(): Stream }).ModelStreamInfer();
  const received: ModelStreamInferResponse[] = [];
  return new Promise((resolve, reject) => {
    stream.on('data', (m: ModelStreamInferResponse) => received.push(m));
    stream.on('error', reject);
    stream.on('end', () => resolve(received));
    for (const r of requests) stream.write(r);
    stream.end();
  });
}

describe('ModelStreamInfer semantics on the wire', () => {
  let engine: PreviewEngine;
  let client: Client;

  beforeAll(async () => {
    engine = await startPreviewEngine({ progressIntervalFrames: 50 });
    const Ctor = makeGenericClientConstructor(loadInferenceService(), 'GRPCInferenceService');
    client = new Ctor(engine.url, credentials.createInsecure());
  });
  afterAll(async () => {
    client.close();
    await engine.close();
  });

  it('flags the last data response as final when no empty final response was asked for', async () => {
    const responses = await exchange(client, [wire('a', 'musicgen_lm', lmInputs(120))]);
    expect(responses.map(summary)).toEqual([
      {
        id: 'a',
        error: '',
        final: false,
        outputs: ['CODES[4,0]', 'FRAMES_DONE[1]', 'QUEUE_POSITION[1]', 'TEXT_TOKENS[2]'],
      },
      {
        id: 'a',
        error: '',
        final: false,
        outputs: ['CODES[4,50]', 'FRAMES_DONE[1]', 'QUEUE_POSITION[1]', 'TEXT_TOKENS[2]'],
      },
      {
        id: 'a',
        error: '',
        final: false,
        outputs: ['CODES[4,50]', 'FRAMES_DONE[1]', 'QUEUE_POSITION[1]', 'TEXT_TOKENS[2]'],
      },
      {
        id: 'a',
        error: '',
        final: true,
        outputs: ['CODES[4,20]', 'FRAMES_DONE[1]', 'QUEUE_POSITION[1]', 'TEXT_TOKENS[2]'],
      },
    ]);
  });

  it('sends an empty final response when asked, echoing id, model and version', async () => {
    const responses = await exchange(client, [wire('b', 'musicgen_lm', lmInputs(50), EMPTY_FINAL)]);
    expect(responses.map(summary)).toEqual([
      {
        id: 'b',
        error: '',
        final: false,
        outputs: ['CODES[4,0]', 'FRAMES_DONE[1]', 'QUEUE_POSITION[1]', 'TEXT_TOKENS[2]'],
      },
      {
        id: 'b',
        error: '',
        final: false,
        outputs: ['CODES[4,50]', 'FRAMES_DONE[1]', 'QUEUE_POSITION[1]', 'TEXT_TOKENS[2]'],
      },
      { id: 'b', error: '', final: true, outputs: [] },
    ]);
    expect(responses[2]?.infer_response).toMatchObject({
      model_name: 'musicgen_lm',
      model_version: '1',
      raw_output_contents: [],
    });
  });

  it('returns only the outputs a request names', async () => {
    const request = { ...wire('c', 'musicgen_lm', lmInputs(10)), outputs: [{ name: 'FRAMES_DONE' }] };
    expect((await exchange(client, [request])).map(summary)).toEqual([
      { id: 'c', error: '', final: false, outputs: ['FRAMES_DONE[1]'] },
      { id: 'c', error: '', final: true, outputs: ['FRAMES_DONE[1]'] },
    ]);
  });

  it('serves encodec_decode on the stream as one final response', async () => {
    const codes: Tensor = { name: 'CODES', datatype: 'INT32', shape: [1, 4, 2], data: new Int32Array(8) };
    expect((await exchange(client, [wire('d', 'encodec_decode', [codes])])).map(summary)).toEqual([
      { id: 'd', error: '', final: true, outputs: ['AUDIO[1,1280]'] },
    ]);
  });

  it('keeps answering other requests while it decodes', async () => {
    const codes: Tensor = { name: 'CODES', datatype: 'INT32', shape: [1, 4, 200], data: new Int32Array(800) };
    const responses = await exchange(client, [
      wire('decode', 'encodec_decode', [codes]),
      wire('window', 'musicgen_lm', lmInputs(10)),
    ]);
    expect(responses.map((m) => m.infer_response?.id)).toEqual(['window', 'window', 'decode']);
  });

  it('interleaves requests on one stream and answers an error with the request id', async () => {
    const responses = await exchange(client, [
      wire('long-1', 'musicgen_lm', lmInputs(400), EMPTY_FINAL),
      wire('bad', 'musicgen_lm', lmInputs(0), EMPTY_FINAL),
      wire('long-2', 'musicgen_lm', lmInputs(400), EMPTY_FINAL),
    ]);
    const ids = responses.map((m) => m.infer_response?.id);
    expect(responses.filter((m) => m.error_message).map(summary)).toEqual([
      {
        id: 'bad',
        error: '[INVALID_ARG] NUM_FRAMES must be between 1 and 1500 - P (P = 0 prompt frames): got 0',
        final: undefined,
        outputs: [],
      },
    ]);
    expect(ids.filter((id) => id === 'long-1').length).toBe(10); // acknowledgement, 8 × 50 frames, final
    expect(ids.filter((id) => id === 'long-2').length).toBe(10);
    expect(ids.indexOf('long-2')).toBeLessThan(ids.lastIndexOf('long-1'));
  });

  it('acknowledges a waiting request with its place in line, and keeps it alive until it gets a slot', async () => {
    const slow = await startPreviewEngine({
      maxConcurrentRequests: 1,
      framesPerSecond: 100,
      progressIntervalFrames: 1000,
      livenessIntervalMs: 50,
    });
    const Ctor = makeGenericClientConstructor(loadInferenceService(), 'GRPCInferenceService');
    const local = new Ctor(slow.url, credentials.createInsecure());
    try {
      const long = 'x '.repeat(70);
      const responses = await exchange(local, [
        wire('first', 'musicgen_lm', lmInputs(40)),
        wire('second', 'musicgen_lm', [
          { name: 'TEXT', datatype: 'BYTES', shape: [1], data: [Buffer.from(long)] },
          { name: 'NUM_FRAMES', datatype: 'INT32', shape: [1], data: Int32Array.of(10) },
        ]),
      ]);
      const view = (id: string) =>
        responses
          .filter((m) => m.infer_response?.id === id)
          .map((m) => {
            const r = m.infer_response as NonNullable<ModelStreamInferResponse['infer_response']>;
            const raw = (i: number) => Buffer.from(r.raw_output_contents?.[i] ?? []);
            return {
              frames: Number(r.outputs[0]?.shape[1]),
              done: raw(1).readInt32LE(0),
              position: raw(2).readInt32LE(0),
              tokens: [raw(3).readInt32LE(0), raw(3).readInt32LE(4)],
            };
          });
      const first = view('first');
      // 40 frames at 100 per second: 0.4 s with nothing to report, so about 8 liveness responses
      expect(first.length).toBeGreaterThanOrEqual(5);
      expect(first.slice(0, -1).every((r) => r.frames === 0 && r.done === 0 && r.position === 0)).toBe(true);
      expect(first.at(-1)).toEqual({ frames: 40, done: 40, position: 0, tokens: [2, 2] });
      const second = view('second');
      const waited = second.findIndex((r) => r.position === 0);
      expect(waited).toBeGreaterThanOrEqual(5);
      expect(second.slice(0, waited).every((r) => r.frames === 0 && r.position === 1)).toBe(true);
      expect(second.at(-1)).toEqual({ frames: 10, done: 10, position: 0, tokens: [71, 64] });
    } finally {
      local.close();
      await slow.close();
    }
  });
});
