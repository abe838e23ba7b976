import { describe, expect, it } from 'vitest';
import type { Tensor } from './datatype.js';
import { encodeRawTensor } from './encode-raw-tensor.js';

describe('encodeRawTensor', () => {
  const cases: { tensor: Tensor; hex: string }[] = [
    { tensor: { name: 'b', datatype: 'BOOL', shape: [3], data: Uint8Array.of(1, 0, 1) }, hex: '010001' },
    { tensor: { name: 'u8', datatype: 'UINT8', shape: [2], data: Uint8Array.of(0, 255) }, hex: '00ff' },
    { tensor: { name: 'u16', datatype: 'UINT16', shape: [1], data: Uint16Array.of(0x1234) }, hex: '3412' },
    {
      tensor: { name: 'u32', datatype: 'UINT32', shape: [1], data: Uint32Array.of(0xdeadbeef) },
      hex: 'efbeadde',
    },
    {
      tensor: { name: 'u64', datatype: 'UINT64', shape: [1], data: BigUint64Array.of(2n ** 64n - 2n) },
      hex: 'feffffffffffffff',
    },
    { tensor: { name: 'i8', datatype: 'INT8', shape: [2], data: Int8Array.of(-1, 5) }, hex: 'ff05' },
    { tensor: { name: 'i16', datatype: 'INT16', shape: [1], data: Int16Array.of(-2) }, hex: 'feff' },
    {
      tensor: { name: 'i32', datatype: 'INT32', shape: [2, 1], data: Int32Array.of(250, -1) },
      hex: 'fa000000ffffffff',
    },
    {
      tensor: { name: 'i64', datatype: 'INT64', shape: [1], data: BigInt64Array.of(-(2n ** 63n)) },
      hex: '0000000000000080',
    },
    {
      tensor: { name: 'f16', datatype: 'FP16', shape: [4], data: Float32Array.of(1, -2, 65504, 2 ** -24) },
      hex: '003c00c0ff7b0100',
    },
    {
      tensor: { name: 'bf16', datatype: 'BF16', shape: [2], data: Float32Array.of(1, -0.5) },
      hex: '803f00bf',
    },
    { tensor: { name: 'f32', datatype: 'FP32', shape: [1], data: Float32Array.of(1.5) }, hex: '0000c03f' },
    {
      tensor: { name: 'f64', datatype: 'FP64', shape: [1], data: Float64Array.of(-2) },
      hex: '00000000000000c0',
    },
    {
      tensor: {
        name: 'TEXT',
        datatype: 'BYTES',
        shape: [2],
        data: [new TextEncoder().encode('hi'), new Uint8Array(0)],
      },
      hex: '02000000686900000000',
    },
  ];

  it.each(cases)('encodes $tensor.datatype little-endian, row-major', ({ tensor, hex }) => {
    expect(encodeRawTensor(tensor).toString('hex')).toBe(hex);
  });

  it('rejects data whose length disagrees with the shape', () => {
    expect(() =>
      encodeRawTensor({ name: 'CODES', datatype: 'INT32', shape: [4, 2], data: new Int32Array(7) }),
    ).toThrow(new RangeError("Cannot encode tensor 'CODES': INT32 shape [4, 2] holds 8 element(s): got 7"));
  });

  it('rejects a shape with a negative or fractional dimension', () => {
    expect(() =>
      encodeRawTensor({ name: 'X', datatype: 'FP32', shape: [-1, 2], data: new Float32Array(2) }),
    ).toThrow(new RangeError("Cannot encode tensor 'X': shape must hold non-negative integers: got [-1, 2]"));
    expect(() =>
      encodeRawTensor({ name: 'X', datatype: 'FP32', shape: [1.5], data: new Float32Array(1) }),
    ).toThrow(new RangeError("Cannot encode tensor 'X': shape must hold non-negative integers: got [1.5]"));
  });
});
