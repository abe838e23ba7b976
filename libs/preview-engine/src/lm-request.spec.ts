import { encodeRawTensor, type ModelInferRequest, type Tensor } from '@musicgen/triton-client';
import { describe, expect, it } from 'vitest';
import { parseDecodeRequest } from './decode-request.js';
import { parseLmRequest } from './lm-request.js';
import { RequestError } from './request-error.js';

const text = (value: string): Tensor => ({
  name: 'TEXT',
  datatype: 'BYTES',
  shape: [1],
  data: [new TextEncoder().encode(value)],
});
const int32 = (name: string, shape: number[], values: number[]): Tensor => ({
  name,
  datatype: 'INT32',
  shape,
  data: Int32Array.from(values),
});
const fp32 = (name: string, value: number): Tensor => ({
  name,
  datatype: 'FP32',
  shape: [1],
  data: Float32Array.of(value),
});

function request(inputs: Tensor[], extra: Partial<ModelInferRequest> = {}): ModelInferRequest {
  return {
    model_name: 'musicgen_lm',
    id: 'r1',
    inputs: inputs.map(({ name, datatype, shape }) => ({ name, datatype, shape: [...shape] })),
    raw_input_contents: inputs.map((t) => encodeRawTensor(t)),
    ...extra,
  };
}

function errorOf(run: () => unknown): { code: number; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof RequestError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a RequestError');
}

const prompt600 = int32('PROMPT_CODES', [4, 600], new Array(2400).fill(5));

describe('parseLmRequest', () => {
  it('applies the contract defaults', () => {
    expect(parseLmRequest(request([text('lofi'), int32('NUM_FRAMES', [1], [250])]))).toEqual({
      params: {
        text: 'lofi',
        promptCodes: new Int32Array(0),
        promptFrames: 0,
        seed: 0n,
        guidanceScale: 3,
        topK: 250,
        topP: 0,
        temperature: 1,
      },
      numFrames: 250,
      emptyFinalResponse: false,
      outputs: ['CODES', 'FRAMES_DONE', 'QUEUE_POSITION', 'TEXT_TOKENS'],
    });
  });

  it('reads every optional input, typed contents and the empty-final-response flag', () => {
    const parsed = parseLmRequest({
      model_name: 'musicgen_lm',
      parameters: { triton_enable_empty_final_response: { bool_param: true } },
      inputs: [
        { name: 'TEXT', datatype: 'BYTES', shape: [1], contents: { bytes_contents: [Buffer.from('héllo')] } },
        { name: 'NUM_FRAMES', datatype: 'INT32', shape: [1], contents: { int_contents: [10] } },
        {
          name: 'PROMPT_CODES',
          datatype: 'INT32',
          shape: [4, 2],
          contents: { int_contents: [1, 2, 3, 4, 5, 6, 7, 2047] },
        },
        { name: 'SEED', datatype: 'INT64', shape: [1], contents: { int64_contents: ['-9007199254740993'] } },
        { name: 'GUIDANCE_SCALE', datatype: 'FP32', shape: [1], contents: { fp32_contents: [1] } },
        { name: 'TOP_K', datatype: 'INT32', shape: [1], contents: { int_contents: [0] } },
        { name: 'TOP_P', datatype: 'FP32', shape: [1], contents: { fp32_contents: [0.5] } },
        { name: 'TEMPERATURE', datatype: 'FP32', shape: [1], contents: { fp32_contents: [0] } },
      ],
      outputs: [{ name: 'CODES' }],
    });
    expect(parsed).toEqual({
      params: {
        text: 'héllo',
        promptCodes: Int32Array.from([1, 2, 3, 4, 5, 6, 7, 2047]),
        promptFrames: 2,
        seed: -9007199254740993n,
        guidanceScale: 1,
        topK: 0,
        topP: 0.5,
        temperature: 0,
      },
      numFrames: 10,
      emptyFinalResponse: true,
      outputs: ['CODES'],
    });
  });

  it.each<[string, Tensor[], string]>([
    ['missing TEXT', [int32('NUM_FRAMES', [1], [5])], 'TEXT is required: got inputs [NUM_FRAMES]'],
    ['missing NUM_FRAMES', [text('x')], 'NUM_FRAMES is required: got inputs [TEXT]'],
    [
      'NUM_FRAMES too large for the prompt',
      [text('x'), int32('NUM_FRAMES', [1], [1200]), prompt600],
      'NUM_FRAMES must be between 1 and 1500 - P (P = 600 prompt frames): got 1200',
    ],
    [
      'NUM_FRAMES zero',
      [text('x'), int32('NUM_FRAMES', [1], [0])],
      'NUM_FRAMES must be between 1 and 1500 - P (P = 0 prompt frames): got 0',
    ],
    [
      'a prompt code out of range',
      [
        text('x'),
        int32('NUM_FRAMES', [1], [5]),
        int32('PROMPT_CODES', [4, 20], [...new Array(57).fill(0), 4000, ...new Array(22).fill(0)]),
      ],
      'PROMPT_CODES value out of range 0..2047 at [2, 17]: got 4000',
    ],
    [
      'a negative prompt code',
      [text('x'), int32('NUM_FRAMES', [1], [5]), int32('PROMPT_CODES', [4, 1], [0, -1, 0, 0])],
      'PROMPT_CODES value out of range 0..2047 at [1, 0]: got -1',
    ],
    [
      'a prompt of the wrong shape',
      [text('x'), int32('NUM_FRAMES', [1], [5]), int32('PROMPT_CODES', [3, 2], [0, 0, 0, 0, 0, 0])],
      'PROMPT_CODES must have shape [4, P] with P >= 1: got [3, 2]',
    ],
    [
      'an empty prompt',
      [text('x'), int32('NUM_FRAMES', [1], [5]), int32('PROMPT_CODES', [4, 0], [])],
      'PROMPT_CODES must have shape [4, P] with P >= 1: got [4, 0]',
    ],
    [
      'NUM_FRAMES of the wrong datatype',
      [text('x'), fp32('NUM_FRAMES', 5)],
      'NUM_FRAMES must have datatype INT32: got FP32',
    ],
    [
      'NUM_FRAMES of the wrong shape',
      [text('x'), int32('NUM_FRAMES', [2], [5, 5])],
      'NUM_FRAMES must have shape [1]: got [2]',
    ],
    [
      'an unknown input',
      [text('x'), int32('NUM_FRAMES', [1], [5]), int32('STEPS', [1], [5])],
      "unknown input for model 'musicgen_lm' (inputs: TEXT, NUM_FRAMES, PROMPT_CODES, SEED, GUIDANCE_SCALE, TOP_K, TOP_P, TEMPERATURE): got 'STEPS'",
    ],
    [
      'a negative TOP_K',
      [text('x'), int32('NUM_FRAMES', [1], [5]), int32('TOP_K', [1], [-3])],
      'TOP_K must be an integer from 0 to 2048: got -3',
    ],
    [
      'TOP_P above 1',
      [text('x'), int32('NUM_FRAMES', [1], [5]), fp32('TOP_P', 1.5)],
      'TOP_P must be a number from 0 to 1: got 1.5',
    ],
    [
      'a subnormal TOP_P (it would silently turn top-p off on a GPU)',
      [text('x'), int32('NUM_FRAMES', [1], [5]), fp32('TOP_P', 1e-40)],
      'TOP_P must be 0 or at least 1.1754943508222875e-38 (smaller numbers are not normal FP32 values: they reach the model as 0 or lose their precision): got 9.999946e-41',
    ],
    [
      'a negative temperature',
      [text('x'), int32('NUM_FRAMES', [1], [5]), fp32('TEMPERATURE', -0.1)],
      'TEMPERATURE must be a number from 0 to 100: got -0.1',
    ],
    [
      'a NaN guidance scale',
      [text('x'), int32('NUM_FRAMES', [1], [5]), fp32('GUIDANCE_SCALE', NaN)],
      'GUIDANCE_SCALE must be a number from 0 to 100: got NaN',
    ],
    [
      'a TOP_K above the codebook size',
      [text('x'), int32('NUM_FRAMES', [1], [5]), int32('TOP_K', [1], [2049])],
      'TOP_K must be an integer from 0 to 2048: got 2049',
    ],
  ])('rejects %s', (_, inputs, message) => {
    expect(errorOf(() => parseLmRequest(request(inputs)))).toEqual({ code: 3, message });
  });

  it('rejects TEXT that is not UTF-8', () => {
    const bad: Tensor = { name: 'TEXT', datatype: 'BYTES', shape: [1], data: [Uint8Array.of(0xff, 0xfe)] };
    expect(errorOf(() => parseLmRequest(request([bad, int32('NUM_FRAMES', [1], [5])])))).toEqual({
      code: 3,
      message: 'TEXT must be UTF-8: got 2 bytes that are not',
    });
  });

  it('rejects raw contents that do not match the shape', () => {
    const r = request([text('x'), int32('NUM_FRAMES', [1], [5])]);
    (r.raw_input_contents as Uint8Array[])[1] = Buffer.alloc(8);
    expect(errorOf(() => parseLmRequest(r))).toEqual({
      code: 3,
      message: "Cannot decode tensor 'NUM_FRAMES': INT32 shape [1] needs 4 bytes (1 × 4): got 8",
    });
  });

  it('rejects a raw entry count that does not match the inputs', () => {
    const r = request([text('x'), int32('NUM_FRAMES', [1], [5])]);
    (r.raw_input_contents as Uint8Array[]).pop();
    expect(errorOf(() => parseLmRequest(r))).toEqual({
      code: 3,
      message: 'raw_input_contents must hold one entry per input (2 inputs): got 1',
    });
  });

  it('rejects an input given twice and an unknown output', () => {
    expect(
      errorOf(() => parseLmRequest(request([text('x'), text('y'), int32('NUM_FRAMES', [1], [5])]))),
    ).toEqual({
      code: 3,
      message: 'TEXT must appear once: got it twice',
    });
    expect(
      errorOf(() =>
        parseLmRequest(request([text('x'), int32('NUM_FRAMES', [1], [5])], { outputs: [{ name: 'AUDIO' }] })),
      ),
    ).toEqual({
      code: 3,
      message:
        "unknown output for model 'musicgen_lm' (outputs: CODES, FRAMES_DONE, QUEUE_POSITION, TEXT_TOKENS): got 'AUDIO'",
    });
  });
});

describe('parseDecodeRequest', () => {
  const decodeRequest = (shape: number[], values: number[]): ModelInferRequest => ({
    ...request([int32('CODES', shape, values)]),
    model_name: 'encodec_decode',
  });

  it('reads codes [1, 4, T]', () => {
    expect(parseDecodeRequest(decodeRequest([1, 4, 2], [1, 2, 3, 4, 5, 6, 7, 8]), 10)).toEqual({
      codes: Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8]),
      frames: 2,
    });
  });

  it.each<[string, number[], number[], string]>([
    [
      'a missing batch dimension',
      [4, 2],
      new Array(8).fill(0),
      'CODES must have shape [1, 4, T] with T >= 1: got [4, 2]',
    ],
    [
      'more than max_frames',
      [1, 4, 11],
      new Array(44).fill(0),
      'CODES must have at most 10 frames (max_frames): got 11',
    ],
    [
      'a value out of range',
      [1, 4, 3],
      [0, 0, 0, 0, 0, 0, 0, 2048, 0, 0, 0, 0],
      'CODES value out of range 0..2047 at [0, 2, 1]: got 2048',
    ],
  ])('rejects %s', (_, shape, values, message) => {
    expect(errorOf(() => parseDecodeRequest(decodeRequest(shape, values), 10))).toEqual({ code: 3, message });
  });
});
