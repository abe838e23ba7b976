/**
 * The JavaScript container for each Triton datatype. 64-bit integers are bigint arrays; FP16 and BF16
 * are widened to Float32Array (Node has no Float16Array); BOOL is one byte per element (0 or 1);
 * BYTES is one Uint8Array per element.
 */
export interface TensorDataByType {
  BOOL: Uint8Array;
  UINT8: Uint8Array;
  UINT16: Uint16Array;
  UINT32: Uint32Array;
  UINT64: BigUint64Array;
  INT8: Int8Array;
  INT16: Int16Array;
  INT32: Int32Array;
  INT64: BigInt64Array;
  FP16: Float32Array;
  BF16: Float32Array;
  FP32: Float32Array;
  FP64: Float64Array;
  BYTES: Uint8Array[];
}

/** A tensor datatype as spelled on the wire (KServe v2 / Triton), e.g. `'FP32'` or `'BYTES'`. */
export type DataType = keyof TensorDataByType;

/** A datatype whose elements all have the same size in bytes (every datatype but BYTES). */
export type FixedSizeDataType = Exclude<DataType, 'BYTES'>;

/** Bytes per element of every fixed-size datatype in Triton's raw (binary) tensor form. */
export const ELEMENT_BYTES: Readonly<Record<FixedSizeDataType, number>> = Object.freeze({
  BOOL: 1,
  UINT8: 1,
  UINT16: 2,
  UINT32: 4,
  UINT64: 8,
  INT8: 1,
  INT16: 2,
  INT32: 4,
  INT64: 8,
  FP16: 2,
  BF16: 2,
  FP32: 4,
  FP64: 8,
});

/** Every datatype Triton knows, in the order of its model-config enum. */
export const DATATYPES: readonly DataType[] = Object.freeze([
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
  'BF16',
]);

/**
 * Tells whether a string names a Triton datatype.
 *
 * @example
 * ```ts
 * isDataType('FP32'); // true
 * isDataType('float'); // false
 * ```
 */
export function isDataType(value: string): value is DataType {
  return value === 'BYTES' || Object.hasOwn(ELEMENT_BYTES, value);
}

/**
 * A named tensor with its datatype, shape (row-major) and data. The union over datatypes lets a
 * check of `datatype` narrow `data`.
 *
 * @example
 * ```ts
 * const frames: Tensor = { name: 'NUM_FRAMES', datatype: 'INT32', shape: [1], data: Int32Array.of(250) };
 * ```
 */
export type Tensor<D extends DataType = DataType> = {
  [K in D]: {
    readonly name: string;
    readonly datatype: K;
    readonly shape: readonly number[];
    readonly data: TensorDataByType[K];
  };
}[D];

/** Number of elements a shape holds (1 for the empty shape). */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}

/** Formats a shape the way error messages show it: `[4, 1500]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
