import { describe, expect, it } from 'vitest';
import { decodeStreamResponse } from './decode-stream-response.js';
import { loadInferenceService } from './load-inference-service.js';
import type { ModelStreamInferResponse } from './messages.js';

const method = loadInferenceService()['ModelStreamInfer'];
if (method === undefined) throw new Error('ModelStreamInfer missing');
const serialize = (message: object): Buffer => method.responseSerialize(message);
const slow = (bytes: Buffer) => method.responseDeserialize(bytes) as ModelStreamInferResponse;

describe('decodeStreamResponse', () => {
  it.each([
    { name: 'empty message', message: {} },
    {
      name: 'error only',
      message: { error_message: 'NUM_FRAMES must be between 1 and 1500: got 0', infer_response: { id: '9' } },
    },
    {
      name: 'progress response',
      message: {
        infer_response: {
          model_name: 'musicgen_lm',
          model_version: '1',
          id: '12',
          parameters: { triton_final_response: { bool_param: false } },
          outputs: [
            { name: 'CODES', datatype: 'INT32', shape: [4, 50] },
            { name: 'FRAMES_DONE', datatype: 'INT32', shape: [1], parameters: { p: { string_param: 'é' } } },
          ],
          raw_output_contents: [Buffer.alloc(800, 7), Buffer.from([50, 0, 0, 0])],
        },
      },
    },
    {
      name: 'every parameter kind and extreme int64 values',
      message: {
        infer_response: {
          id: 'x',
          parameters: {
            b: { bool_param: true },
            f: { bool_param: false },
            i: { int64_param: '-1' },
            big: { int64_param: '9223372036854775807' },
            min: { int64_param: '-9223372036854775808' },
            mid: { int64_param: '4294967296' },
            s: { string_param: '' },
            d: { double_param: -0.25 },
            u: { uint64_param: '18446744073709551615' },
            u2: { uint64_param: '9007199254740993' },
          },
          outputs: [{ name: 'A', datatype: 'FP32', shape: [0, 2 ** 40, 127, 128, 16383, 16384] }],
          raw_output_contents: [Buffer.alloc(0)],
        },
      },
    },
  ])('gives what proto-loader gives: $name', ({ message }) => {
    const bytes = serialize(message);
    expect(decodeStreamResponse(bytes, slow)).toEqual(slow(bytes));
  });

  it('falls back to proto-loader when an output carries typed contents', () => {
    const bytes = serialize({
      infer_response: { outputs: [{ name: 'A', contents: { int_contents: [1, 2] } }] },
    });
    let fallbacks = 0;
    const decoded = decodeStreamResponse(bytes, (b) => {
      fallbacks++;
      return slow(b);
    });
    expect(decoded).toEqual(slow(bytes));
    expect(fallbacks).toBe(1);
  });

  it('skips unknown fields of every wire type', () => {
    const known = serialize({ infer_response: { id: '3' } });
    const unknown = Buffer.from([
      0x48, 0x01, 0x51, 1, 2, 3, 4, 5, 6, 7, 8, 0x5a, 0x01, 0x00, 0x65, 1, 2, 3, 4,
    ]);
    expect(decodeStreamResponse(Buffer.concat([unknown, known]), slow)).toEqual(slow(known));
  });

  it('rejects a truncated message', () => {
    const bytes = serialize({ infer_response: { id: '12345' } });
    expect(() => decodeStreamResponse(bytes.subarray(0, bytes.length - 2), slow)).toThrow(
      new RangeError('Cannot decode ModelStreamInferResponse: truncated message'),
    );
  });
});
