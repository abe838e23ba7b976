import { describe, expect, it } from 'vitest';
import { ENCODEC_DECODE_CONTRACT, MUSICGEN_LM_CONTRACT } from '@musicgen/contract';
import { checkModelConfig } from './check-model-config.js';
import { modelConfigFromPbtxt } from './model-config-from-pbtxt.js';

const LM = `
name: "musicgen_lm"
backend: "python"
max_batch_size: 0
model_transaction_policy { decoupled: true }
input [
  { name: "TEXT" data_type: TYPE_STRING dims: [ 1 ] },
  { name: "NUM_FRAMES" data_type: TYPE_INT32 dims: [ 1 ] },
  { name: "PROMPT_CODES" data_type: TYPE_INT32 dims: [ 4, -1 ] optional: true },
  { name: "SEED" data_type: TYPE_INT64 dims: [ 1 ] optional: true },
  { name: "GUIDANCE_SCALE" data_type: TYPE_FP32 dims: [ 1 ] optional: true },
  { name: "TOP_K" data_type: TYPE_INT32 dims: [ 1 ] optional: true },
  { name: "TOP_P" data_type: TYPE_FP32 dims: [ 1 ] optional: true },
  { name: "TEMPERATURE" data_type: TYPE_FP32 dims: [ 1 ] optional: true }
]
output [
  { name: "CODES" data_type: TYPE_INT32 dims: [ 4, -1 ] },
  { name: "FRAMES_DONE" data_type: TYPE_INT32 dims: [ 1 ] },
  { name: "QUEUE_POSITION" data_type: TYPE_INT32 dims: [ 1 ] },
  { name: "TEXT_TOKENS" data_type: TYPE_INT32 dims: [ 2 ] }
]
instance_group [ { count: 1 kind: KIND_GPU } ]
`;

const DECODE = `
name: "encodec_decode"
platform: "tensorrt_plan"
max_batch_size: 0
input [ { name: "CODES" data_type: TYPE_INT32 dims: [ 1, 4, -1 ] } ]
output [ { name: "AUDIO" data_type: TYPE_FP32 dims: [ 1, -1 ] } ]
parameters { key: "max_frames" value: { string_value: "3000" } }
`;

const lm = (text: string) => checkModelConfig(modelConfigFromPbtxt(text), MUSICGEN_LM_CONTRACT);
const decode = (text: string) => checkModelConfig(modelConfigFromPbtxt(text), ENCODEC_DECODE_CONTRACT);

describe('checkModelConfig', () => {
  it('accepts configs that follow the contract', () => {
    expect(lm(LM)).toEqual([]);
    expect(decode(DECODE)).toEqual([]);
    expect(
      decode(
        DECODE.replace('max_batch_size: 0', 'max_batch_size: 8')
          .replace('[ 1, 4, -1 ]', '[ 4, -1 ]')
          .replace('[ 1, -1 ]', '[ -1 ]'),
      ),
    ).toEqual([]);
  });

  it.each([
    ['name: "musicgen_lm"', 'name: "lm"', ["musicgen_lm: name must be 'musicgen_lm': got 'lm'"]],
    ['max_batch_size: 0', 'max_batch_size: 4', ['musicgen_lm: max_batch_size must be 0: got 4']],
    [
      'decoupled: true',
      'decoupled: false',
      ['musicgen_lm: model_transaction_policy.decoupled must be true: got false'],
    ],
    [
      'model_transaction_policy { decoupled: true }',
      '',
      ['musicgen_lm: model_transaction_policy.decoupled must be true: got false'],
    ],
    [
      '{ name: "TEXT" data_type: TYPE_STRING dims: [ 1 ] },',
      '{ name: "TEXT" data_type: TYPE_INT32 dims: [ 1 ] },',
      ['musicgen_lm: input TEXT data_type must be TYPE_STRING (BYTES): got TYPE_INT32'],
    ],
    [
      'dims: [ 4, -1 ] optional: true',
      'dims: [ 4, 600 ] optional: true',
      ['musicgen_lm: input PROMPT_CODES dims must be [4, -1]: got [4, 600]'],
    ],
    [
      '{ name: "SEED" data_type: TYPE_INT64 dims: [ 1 ] optional: true },',
      '{ name: "SEED" data_type: TYPE_INT64 dims: [ 1 ] },',
      ['musicgen_lm: input SEED optional must be true: got false'],
    ],
    [
      '{ name: "NUM_FRAMES" data_type: TYPE_INT32 dims: [ 1 ] },',
      '{ name: "NUM_FRAMES" data_type: TYPE_INT32 dims: [ 1 ] optional: true },',
      ['musicgen_lm: input NUM_FRAMES optional must be false: got true'],
    ],
    [
      '{ name: "TOP_P" data_type: TYPE_FP32 dims: [ 1 ] optional: true },',
      '{ name: "TOP_Q" data_type: TYPE_FP32 dims: [ 1 ] optional: true },',
      ['musicgen_lm: input TOP_P is missing', 'musicgen_lm: input TOP_Q is not in the contract'],
    ],
    [
      '{ name: "FRAMES_DONE" data_type: TYPE_INT32 dims: [ 1 ] }',
      '{ name: "FRAMES_DONE" data_type: TYPE_INT64 dims: [ 1, 1 ] }',
      [
        'musicgen_lm: output FRAMES_DONE data_type must be TYPE_INT32 (INT32): got TYPE_INT64',
        'musicgen_lm: output FRAMES_DONE dims must be [1]: got [1, 1]',
      ],
    ],
  ])('reports musicgen_lm mismatch %#: %j → %j', (from, to, problems) => {
    expect(LM).toContain(from);
    expect(lm(LM.replace(from, to))).toEqual(problems);
  });

  it.each([
    [
      'parameters { key: "max_frames" value: { string_value: "3000" } }',
      '',
      ['encodec_decode: parameter max_frames is missing'],
    ],
    [
      '[ 1, 4, -1 ]',
      '[ 1, 4, 1500 ]',
      ['encodec_decode: input CODES dims must be [1, 4, -1]: got [1, 4, 1500]'],
    ],
    [
      'max_batch_size: 0',
      'max_batch_size: 8',
      [
        'encodec_decode: input CODES dims must be [4, -1] (max_batch_size 8 adds the batch dimension): got [1, 4, -1]',
        'encodec_decode: output AUDIO dims must be [-1] (max_batch_size 8 adds the batch dimension): got [1, -1]',
      ],
    ],
    [
      'max_batch_size: 0',
      'max_batch_size: 0 model_transaction_policy { decoupled: true }',
      ['encodec_decode: model_transaction_policy.decoupled must be false: got true'],
    ],
    [
      'data_type: TYPE_FP32',
      'data_type: TYPE_FP16',
      ['encodec_decode: output AUDIO data_type must be TYPE_FP32 (FP32): got TYPE_FP16'],
    ],
  ])('reports encodec_decode mismatch %#: %j → %j', (from, to, problems) => {
    expect(DECODE).toContain(from);
    expect(decode(DECODE.replace(from, to))).toEqual(problems);
  });
});

describe('modelConfigFromPbtxt', () => {
  it('reads the fields the contract uses', () => {
    expect(modelConfigFromPbtxt(DECODE)).toEqual({
      name: 'encodec_decode',
      platform: 'tensorrt_plan',
      backend: '',
      max_batch_size: 0,
      input: [{ name: 'CODES', data_type: 'TYPE_INT32', dims: [1, 4, -1], optional: false }],
      output: [{ name: 'AUDIO', data_type: 'TYPE_FP32', dims: [1, -1] }],
      parameters: { max_frames: { string_value: '3000' } },
      model_transaction_policy: { decoupled: false },
    });
  });

  it.each([
    [
      'max_batch_size: many',
      "Cannot read config.pbtxt: 'max_batch_size' of '?' must be an integer: got 'many'",
    ],
    ['input: "x"', "Cannot read config.pbtxt: 'input' must be a message: got 'x'"],
    ['name { a: 1 }', "Cannot read config.pbtxt: 'name' must be a scalar: got a message"],
  ])('rejects %j', (text, message) => {
    expect(() => modelConfigFromPbtxt(text)).toThrow(new SyntaxError(message));
  });
});
