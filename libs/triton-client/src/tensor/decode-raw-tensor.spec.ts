import { describe, expect, it } from 'vitest';
import { DATATYPES, type Tensor } from './datatype.js';
import { decodeRawTensor } from './decode-raw-tensor.js';
import { encodeRawTensor } from './encode-raw-tensor.js';

const samples: Tensor[] = [
  { name: 'b', datatype: 'BOOL', shape: [2], data: Uint8Array.of(1, 0) },
  { name: 'u8', datatype: 'UINT8', shape: [2], data: Uint8Array.of(7, 255) },
  { name: 'u16', datatype: 'UINT16', shape: [2], data: Uint16Array.of(1, 65535) },
  { name: 'u32', datatype: 'UINT32', shape: [2], data: Uint32Array.of(1, 2 ** 32 - 1) },
  { name: 'u64', datatype: 'UINT64', shape: [2], data: BigUint64Array.of(1n, 2n ** 64n - 1n) },
  { name: 'i8', datatype: 'INT8', shape: [2], data: Int8Array.of(-128, 127) },
  { name: 'i16', datatype: 'INT16', shape: [2], data: Int16Array.of(-32768, 32767) },
  { name: 'i32', datatype: 'INT32', shape: [2, 2], data: Int32Array.of(-1, 0, 1, 2047) },
  { name: 'i64', datatype: 'INT64', shape: [2], data: BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n) },
  { name: 'f16', datatype: 'FP16', shape: [3], data: Float32Array.of(0.5, -0.25, Infinity) },
  { name: 'f32', datatype: 'FP32', shape: [1, 3], data: Float32Array.of(0.5, -1, 3.25) },
  { name: 'f64', datatype: 'FP64', shape: [1], data: Float64Array.of(Math.PI) },
  {
    name: 's',
    datatype: 'BYTES',
    shape: [3],
    data: [Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(9)],
  },
  { name: 'bf', datatype: 'BF16', shape: [2], data: Float32Array.of(2, -0.125) },
];

describe('decodeRawTensor', () => {
  it('covers every datatype in the round-trip table', () => {
    expect(samples.map((t) => t.datatype).sort()).toEqual([...DATATYPES].sort());
  });

  it.each(samples)('round-trips $datatype exactly', (tensor) => {
    const raw = encodeRawTensor(tensor);
    expect(decodeRawTensor(tensor, raw)).toEqual(tensor);
  });

  it('returns a zero-copy view when the bytes are aligned', () => {
    const backing = Buffer.alloc(16);
    const raw = backing.subarray(4, 12);
    const { data } = decodeRawTensor({ name: 'AUDIO', datatype: 'FP32', shape: [2] }, raw);
    raw.writeFloatLE(0.25, 0);
    expect(data).toEqual(Float32Array.of(0.25, 0));
    expect((data as Float32Array).buffer).toBe(backing.buffer);
  });

  it('copies when the bytes are not aligned for the element type', () => {
    const backing = Buffer.alloc(16);
    backing.writeFloatLE(-0.5, 1);
    const raw = backing.subarray(1, 9);
    const { data } = decodeRawTensor({ name: 'AUDIO', datatype: 'FP32', shape: [2] }, raw);
    expect(data).toEqual(Float32Array.of(-0.5, 0));
    expect((data as Float32Array).buffer).not.toBe(backing.buffer);
  });

  it('decodes FP16 subnormals, negative zero and NaN', () => {
    const raw = Buffer.from('01000080007e', 'hex');
    const { data } = decodeRawTensor({ name: 'h', datatype: 'FP16', shape: [3] }, raw);
    expect(Array.from(data as Float32Array)).toEqual([2 ** -24, -0, NaN]);
  });

  it('rejects raw bytes that do not match the shape, naming output, shape and byte counts', () => {
    expect(() =>
      decodeRawTensor({ name: 'AUDIO', datatype: 'FP32', shape: [1, 960000] }, Buffer.alloc(3839996)),
    ).toThrow(
      new RangeError(
        "Cannot decode tensor 'AUDIO': FP32 shape [1, 960000] needs 3840000 bytes (960000 × 4): got 3839996",
      ),
    );
  });

  it.each([
    {
      hex: '0200000061',
      message: "Cannot decode tensor 'TEXT': BYTES shape [1]: element 0 needs 2 bytes at byte 4: got 1",
    },
    {
      hex: '010000006102',
      message:
        "Cannot decode tensor 'TEXT': BYTES shape [1]: element 1 has a truncated length prefix at byte 5 of 6",
    },
    {
      hex: '01000000610100000062',
      message: "Cannot decode tensor 'TEXT': BYTES shape [1] holds 1 element(s): got 2 in 10 bytes",
    },
  ])('walks BYTES length prefixes and rejects $hex', ({ hex, message }) => {
    expect(() =>
      decodeRawTensor({ name: 'TEXT', datatype: 'BYTES', shape: [1] }, Buffer.from(hex, 'hex')),
    ).toThrow(new RangeError(message));
  });

  it.each(['FLOAT', 'toString', 'fp32'])('rejects the unknown datatype %s', (datatype) => {
    expect(() => decodeRawTensor({ name: 'X', datatype, shape: [1] }, Buffer.alloc(4))).toThrow(
      new TypeError(`Cannot decode tensor 'X': unknown datatype: got '${datatype}'`),
    );
  });
});
