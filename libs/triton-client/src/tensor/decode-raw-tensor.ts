import {
  ELEMENT_BYTES,
  elementCount,
  formatShape,
  isDataType,
  type DataType,
  type FixedSizeDataType,
  type Tensor,
  type TensorDataByType,
} from './datatype.js';
import { bfloat16BitsToFloat, halfBitsToFloat } from './half-float.js';
import { HOST_IS_LITTLE_ENDIAN, swapByteOrder } from './host-endianness.js';

/** What the wire says about one tensor: its name, datatype string and shape. */
export interface RawTensorHeader {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
}

type TypedArrayConstructor<D extends FixedSizeDataType> = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TensorDataByType[D];
  new (length: number): TensorDataByType[D];
};

const VIEW_TYPES: { [D in Exclude<FixedSizeDataType, 'FP16' | 'BF16'>]: TypedArrayConstructor<D> } = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  UINT16: Uint16Array,
  UINT32: Uint32Array,
  UINT64: BigUint64Array,
  INT8: Int8Array,
  INT16: Int16Array,
  INT32: Int32Array,
  INT64: BigInt64Array,
  FP32: Float32Array,
  FP64: Float64Array,
};

/**
 * Decodes one tensor from Triton's raw form after checking that the byte count matches the shape:
 * product(shape) × element size for fixed-size types, and a walk over the 4-byte length prefixes for
 * BYTES. Fixed-size data is a zero-copy view over `raw` when the host is little-endian and the bytes
 * are aligned for the element type; otherwise it is copied. FP16 and BF16 are widened to Float32Array.
 *
 * @throws {TypeError} when the datatype is unknown.
 * @throws {RangeError} when the bytes do not match the shape; the message names the tensor, its
 *   datatype, shape and both byte counts.
 *
 * @example
 * ```ts
 * const audio = decodeRawTensor({ name: 'AUDIO', datatype: 'FP32', shape: [1, 2] }, Buffer.alloc(8));
 * // { name: 'AUDIO', datatype: 'FP32', shape: [1, 2], data: Float32Array [0, 0] }
 * ```
 */
export function decodeRawTensor(header: RawTensorHeader, raw: Uint8Array): Tensor {
  const { name, datatype } = header;
  const { shape } = header;
  if (!isDataType(datatype)) {
    throw new TypeError(`Cannot decode tensor '${name}': unknown datatype: got '${datatype}'`);
  }
  for (const dim of shape) {
    if (!Number.isSafeInteger(dim) || dim < 0) {
      throw new RangeError(
        `Cannot decode tensor '${name}': shape must hold non-negative integers: got ${formatShape(shape)}`,
      );
    }
  }
  const count = elementCount(shape);
  if (datatype === 'BYTES') {
    return { name, datatype, shape, data: decodeBytesElements(name, shape, count, raw) };
  }
  const size = ELEMENT_BYTES[datatype];
  if (raw.byteLength !== count * size) {
    throw new RangeError(
      `Cannot decode tensor '${name}': ${datatype} shape ${formatShape(shape)} needs ${count * size} bytes ` +
        `(${count} × ${size}): got ${raw.byteLength}`,
    );
  }
  return { name, datatype, shape, data: decodeFixed(datatype, count, raw) } as Tensor;
}

function decodeFixed(
  datatype: FixedSizeDataType,
  count: number,
  raw: Uint8Array,
): TensorDataByType[DataType] {
  if (datatype === 'FP16' || datatype === 'BF16') {
    const toFloat = datatype === 'FP16' ? halfBitsToFloat : bfloat16BitsToFloat;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = toFloat(view.getUint16(i * 2, true));
    return out;
  }
  const Type = VIEW_TYPES[datatype] as TypedArrayConstructor<typeof datatype>;
  const size = ELEMENT_BYTES[datatype];
  if (HOST_IS_LITTLE_ENDIAN && raw.byteOffset % size === 0)
    return new Type(raw.buffer, raw.byteOffset, count);
  // A fresh, unpooled buffer: aligned, and not zero-filled before the copy overwrites it.
  const bytes = Buffer.allocUnsafeSlow(count * size);
  bytes.set(raw);
  if (!HOST_IS_LITTLE_ENDIAN) swapByteOrder(bytes, size);
  return new Type(bytes.buffer, bytes.byteOffset, count);
}

function decodeBytesElements(
  name: string,
  shape: readonly number[],
  count: number,
  raw: Uint8Array,
): Uint8Array[] {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const elements: Uint8Array[] = [];
  let offset = 0;
  while (offset < raw.byteLength) {
    if (raw.byteLength - offset < 4) {
      throw new RangeError(
        `Cannot decode tensor '${name}': BYTES shape ${formatShape(shape)}: element ${elements.length} ` +
          `has a truncated length prefix at byte ${offset} of ${raw.byteLength}`,
      );
    }
    const length = view.getUint32(offset, true);
    if (offset + 4 + length > raw.byteLength) {
      throw new RangeError(
        `Cannot decode tensor '${name}': BYTES shape ${formatShape(shape)}: element ${elements.length} ` +
          `needs ${length} bytes at byte ${offset + 4}: got ${raw.byteLength - offset - 4}`,
      );
    }
    elements.push(new Uint8Array(raw.buffer, raw.byteOffset + offset + 4, length));
    offset += 4 + length;
  }
  if (elements.length !== count) {
    throw new RangeError(
      `Cannot decode tensor '${name}': BYTES shape ${formatShape(shape)} holds ${count} element(s): ` +
        `got ${elements.length} in ${raw.byteLength} bytes`,
    );
  }
  return elements;
}
