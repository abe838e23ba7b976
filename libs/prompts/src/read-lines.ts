import { isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { PromptsFileError } from './prompts-file-error.js';

/** Where the lines come from and how many bytes are allowed. */
export interface LineSource {
  readonly source: string;
  readonly maxBytes: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;
const BOM = '\ufeff';

/**
 * Splits a stream of UTF-8 chunks into lines, batch by batch (one batch per chunk that ends a line),
 * never holding more than one chunk plus one unfinished line. Line endings (`\n` or `\r\n`) and a BOM at
 * the start are removed. Throws {@link PromptsFileError} `TOO_LARGE` past `maxBytes` and `NOT_UTF8` on
 * invalid UTF-8 or a NUL byte, naming line, column and byte offset.
 */
export async function* readLines(
  chunks: AsyncIterable<Uint8Array | string>,
  { source, maxBytes }: LineSource,
): AsyncGenerator<string[]> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let bytesRead = 0;
  let linesDone = 0;
  for await (const chunk of chunks) {
    const bytes = toBuffer(chunk);
    bytesRead += bytes.length;
    if (bytesRead > maxBytes) {
      throw new PromptsFileError(
        'TOO_LARGE',
        source,
        `it is over the maxBytes limit of ${formatBytes(maxBytes)}: read ${bytesRead} bytes so far`,
      );
    }
    const lastNewline = bytes.lastIndexOf(NEWLINE);
    if (lastNewline < 0) {
      pending.push(Buffer.from(bytes));
      pendingBytes += bytes.length;
      continue;
    }
    const head = bytes.subarray(0, lastNewline + 1);
    const block = pendingBytes > 0 ? Buffer.concat([...pending, head]) : head;
    const blockOffset = bytesRead - bytes.length - pendingBytes;
    pending = lastNewline + 1 < bytes.length ? [Buffer.from(bytes.subarray(lastNewline + 1))] : [];
    pendingBytes = bytes.length - lastNewline - 1;
    const lines = decodeLines(block, { source, firstLine: linesDone + 1, blockOffset });
    lines.pop();
    linesDone += lines.length;
    yield lines;
  }
  if (pendingBytes > 0) {
    const block = Buffer.concat(pending);
    yield decodeLines(block, {
      source,
      firstLine: linesDone + 1,
      blockOffset: bytesRead - pendingBytes,
    });
  }
}

/** Lines of an in-memory text, with the same rules as {@link readLines} (NUL bytes, size limit). */
export function splitTextLines(text: string, { source, maxBytes }: LineSource): string[] {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > maxBytes) {
    throw new PromptsFileError(
      'TOO_LARGE',
      source,
      `it is ${formatBytes(size)}, over the maxBytes limit of ${formatBytes(maxBytes)}`,
    );
  }
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    const before = text.slice(0, nul);
    const lineStart = before.lastIndexOf('\n') + 1;
    const line = countNewlines(before) + 1;
    const column =
      [...before.slice(lineStart)].length + 1 - (lineStart === 0 && before.startsWith(BOM) ? 1 : 0);
    throw notText(source, 'NUL byte', line, column, Buffer.byteLength(before, 'utf8'));
  }
  const lines = text.split('\n');
  if (lines[0]?.startsWith(BOM)) lines[0] = lines[0].slice(1);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  }
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** `64 MiB (67108864 bytes)`-style size; below 1 MiB just the bytes. */
export function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  if (mib < 1) return `${bytes} bytes`;
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB (${bytes} bytes)`;
}

/**
 * The lines of `block` (whole lines, the last one without its line ending; a trailing line ending gives
 * a last empty line). The block is validated as a whole, then each line is decoded on its own: a line
 * of ASCII text then becomes a compact one-byte string, which is cheaper to scan, slice and hash than a
 * slice of one large two-byte string.
 */
function decodeLines(
  block: Buffer,
  where: { source: string; firstLine: number; blockOffset: number },
): string[] {
  if (where.blockOffset === 0) checkUtf16(block, where.source);
  const nul = block.indexOf(0);
  if (nul >= 0) throw locate(where, block, nul, 'NUL byte');
  if (!isUtf8(block)) {
    const bad = firstInvalidUtf8(block);
    const value = block[bad] ?? 0;
    throw locate(where, block, bad, `invalid byte 0x${value.toString(16).toUpperCase().padStart(2, '0')}`);
  }
  const lines: string[] = [];
  let start = where.firstLine === 1 && startsWithBom(block) ? UTF8_BOM.length : 0;
  for (let end = block.indexOf(NEWLINE, start); end >= 0; end = block.indexOf(NEWLINE, start)) {
    lines.push(decodeLine(block, start, end));
    start = end + 1;
  }
  lines.push(decodeLine(block, start, block.length));
  return lines;
}

/** The text of `block` from byte `start` to byte `end`, less a final `\r`. */
function decodeLine(block: Buffer, start: number, end: number): string {
  return block.toString('utf8', start, end > start && block[end - 1] === CARRIAGE_RETURN ? end - 1 : end);
}

function startsWithBom(block: Buffer): boolean {
  return block[0] === UTF8_BOM[0] && block[1] === UTF8_BOM[1] && block[2] === UTF8_BOM[2];
}

function locate(
  where: { source: string; firstLine: number; blockOffset: number },
  block: Buffer,
  index: number,
  what: string,
): PromptsFileError {
  const lineStart = block.lastIndexOf(NEWLINE, index - 1) + 1;
  let line = where.firstLine;
  for (let i = block.indexOf(NEWLINE); i >= 0 && i < lineStart; i = block.indexOf(NEWLINE, i + 1)) line++;
  const prefix = new TextDecoder('utf-8', { ignoreBOM: true }).decode(block.subarray(lineStart, index));
  const bom = line === 1 && prefix.startsWith(BOM) ? 1 : 0;
  const column = [...prefix].length + 1 - bom;
  return notText(where.source, what, line, column, where.blockOffset + index);
}

function notText(
  source: string,
  what: string,
  line: number,
  column: number,
  offset: number,
): PromptsFileError {
  return new PromptsFileError(
    'NOT_UTF8',
    source,
    `it is not UTF-8 text: ${what} at line ${line}, column ${column} (byte offset ${offset})`,
  );
}

function checkUtf16(bytes: Buffer, source: string): void {
  const first = bytes[0];
  const second = bytes[1];
  if ((first === 0xff && second === 0xfe) || (first === 0xfe && second === 0xff)) {
    throw new PromptsFileError(
      'NOT_UTF8',
      source,
      'it is not UTF-8 text: it starts with a UTF-16 byte order mark (save it as UTF-8)',
    );
  }
}

function toBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function countNewlines(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/** Offset of the first byte that starts an ill-formed UTF-8 sequence (Unicode Table 3-7). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] as number;
    let need: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead < 0x80) need = 0;
    else if (lead >= 0xc2 && lead <= 0xdf) need = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      need = 2;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      need = 3;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < (k === 1 ? low : 0x80) || next > (k === 1 ? high : 0xbf)) return i;
    }
    i += need + 1;
  }
  return bytes.length;
}
