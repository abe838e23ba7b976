import { ELEMENT_BYTES, elementCount, formatShape, type Tensor } from './datatype.js';
import { floatToBfloat16Bits, floatToHalfBits } from './half-float.js';
import { HOST_IS_LITTLE_ENDIAN, swapByteOrder } from './host-endianness.js';

/**
 * Encodes a tensor's data in Triton's raw form (`raw_input_contents` / `raw_output_contents`):
 * row-major, little-endian, no padding; BYTES elements each prefixed with a 4-byte little-endian
 * length. On little-endian hosts fixed-size data is returned as a view of the typed array, not a copy.
 *
 * @throws {RangeError} when the shape is not a list of non-negative integers or disagrees with the
 *   number of elements in `data`.
 *
 * @example
 * ```ts
 * encodeRawTensor({ name: 'NUM_FRAMES', datatype: 'INT32', shape: [1], data: Int32Array.of(250) });
 * // <Buffer fa 00 00 00>
 * ```
 */
export function encodeRawTensor(tensor: Tensor): Buffer {
  const { name, datatype, shape } = tensor;
  for (const dim of shape) {
    if (!Number.isSafeInteger(dim) || dim < 0) {
      throw new RangeError(
        `Cannot encode tensor '${name}': shape must hold non-negative integers: got ${formatShape(shape)}`,
      );
    }
  }
  const expected = elementCount(shape);
  if (tensor.data.length !== expected) {
    throw new RangeError(
      `Cannot encode tensor '${name}': ${datatype} shape ${formatShape(shape)} holds ${expected} element(s): ` +
        `got ${tensor.data.length}`,
    );
  }
  switch (tensor.datatype) {
    case 'BYTES':
      return encodeBytesElements(tensor.data);
    case 'FP16':
      return fromUint16(Uint16Array.from(tensor.data, floatToHalfBits));
    case 'BF16':
      return fromUint16(Uint16Array.from(tensor.data, floatToBfloat16Bits));
    default: {
      const { data } = tensor;
      const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      if (HOST_IS_LITTLE_ENDIAN) return view;
      const copy = Buffer.from(view);
      swapByteOrder(copy, ELEMENT_BYTES[tensor.datatype]);
      return copy;
    }
  }
}

function fromUint16(bits: Uint16Array): Buffer {
  const bytes = Buffer.from(bits.buffer, bits.byteOffset, bits.byteLength);
  if (!HOST_IS_LITTLE_ENDIAN) swapByteOrder(bytes, 2);
  return bytes;
}

function encodeBytesElements(elements: readonly Uint8Array[]): Buffer {
  let total = 0;
  for (const element of elements) total += 4 + element.length;
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const element of elements) {
    out.writeUInt32LE(element.length, offset);
    out.set(element, offset + 4);
    offset += 4 + element.length;
  }
  return out;
}
