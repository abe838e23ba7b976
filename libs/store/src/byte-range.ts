import type { ByteRange } from './object-store.js';

/** Checks a requested range before any request: integers, `0 <= start <= end`. */
export function validateRange(range: ByteRange, key: string): ByteRange {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(
      `Cannot get ${JSON.stringify(key)} as a byte range must be integers with 0 <= start <= end: got ${start}-${end}`,
    );
  }
  return range;
}

/** The range cut to an object of `bytes` bytes; a `RangeError` when it starts past the last byte. */
export function fitRange(range: ByteRange, bytes: number, key: string): ByteRange {
  if (range.start >= bytes) {
    throw new RangeError(
      `Cannot get ${JSON.stringify(key)} from byte ${range.start} as the object has ${bytes} bytes`,
    );
  }
  return { start: range.start, end: Math.min(range.end, bytes - 1) };
}
