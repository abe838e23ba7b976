/** True when the host stores numbers little-endian, as Triton's raw tensor form does. */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Reverses the byte order of every `size`-byte element of `bytes` in place. */
export function swapByteOrder(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let offset = 0; offset + size <= bytes.length; offset += size) {
    for (let low = offset, high = offset + size - 1; low < high; low++, high--) {
      const byte = bytes[low] as number;
      bytes[low] = bytes[high] as number;
      bytes[high] = byte;
    }
  }
}
