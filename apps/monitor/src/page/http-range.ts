/** What a `Range` request header asks of a body of known size. */
export type RangeAnswer =
  /** No range (or one this server ignores, as HTTP allows): send everything, 200. */
  | { readonly kind: 'whole' }
  /** One satisfiable range: send these bytes (inclusive), 206. */
  | { readonly kind: 'part'; readonly start: number; readonly end: number }
  /** A malformed or unsatisfiable byte range: 416 with `Content-Range: bytes *\/size`. */
  | { readonly kind: 'unsatisfiable' };

const SPEC = /^(\d*)-(\d*)$/;

/**
 * Reads a `Range` header (RFC 9110 §14) against a body of `size` bytes: `bytes=0-99` (first bytes),
 * `bytes=500-` (from there to the end), `bytes=-200` (the last 200). An end past the last byte is cut to
 * it. A byte range that is malformed (`bytes=9-3`, `bytes=x-`) or that starts past the end, and a suffix
 * of 0, are unsatisfiable. Other units and several ranges at once are ignored (the whole body is
 * sent): media players ask for one byte range at a time.
 *
 * @example
 * ```ts
 * parseRange('bytes=100-', 1000); // { kind: 'part', start: 100, end: 999 }
 * parseRange('bytes=-0', 1000); // { kind: 'unsatisfiable' }
 * ```
 */
export function parseRange(header: string | undefined, size: number): RangeAnswer {
  if (header === undefined) return { kind: 'whole' };
  const match = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!match) return { kind: 'whole' };
  const specs = (match[1] as string).split(',');
  if (specs.length > 1) return { kind: 'whole' };
  const spec = SPEC.exec((specs[0] as string).trim());
  if (!spec) return { kind: 'unsatisfiable' };
  const [, first, last] = spec as unknown as [string, string, string];
  if (first === '' && last === '') return { kind: 'unsatisfiable' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'part', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Number(last);
  if (end < start || start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'part', start, end: Math.min(end, size - 1) };
}
