import type { WavFormat } from './wav-options.js';

const UINT32_MAX = 0xffffffff;
const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const PCM_HEADER_BYTES = 44;
const FLOAT_HEADER_BYTES = 58;

export interface WavHeaderFields {
  readonly format: WavFormat;
  readonly channels: number;
  readonly sampleRate: number;
  readonly frames: number;
}

export function headerBytes(format: WavFormat): number {
  return format === 'float32' ? FLOAT_HEADER_BYTES : PCM_HEADER_BYTES;
}

function bitsPerSample(format: WavFormat): number {
  return format === 'pcm16' ? 16 : format === 'pcm24' ? 24 : 32;
}

/** Bytes of sample data for `frames` frames, without the pad byte. */
export function dataBytes(fields: WavHeaderFields): number {
  return (fields.frames * fields.channels * bitsPerSample(fields.format)) / 8;
}

/** Total file size in bytes, header and RIFF pad byte included. */
export function fileBytes(fields: WavHeaderFields): number {
  const data = dataBytes(fields);
  return headerBytes(fields.format) + data + (data % 2);
}

/** The largest frame count whose file still fits the 32-bit RIFF size field. */
export function maxFrames(format: WavFormat, channels: number): number {
  const blockAlign = (channels * bitsPerSample(format)) / 8;
  return Math.floor((UINT32_MAX + 8 - headerBytes(format) - 1) / blockAlign);
}

/**
 * RIFF/WAVE header: `fmt ` (16 bytes, WAVE_FORMAT_PCM) for 16/24-bit; `fmt ` (18 bytes with cbSize 0,
 * WAVE_FORMAT_IEEE_FLOAT) plus a `fact` chunk holding the frame count for float; then the `data` chunk header.
 * An odd-sized data chunk is followed by one pad byte that the RIFF size counts and the data size does not.
 */
export function wavHeader(fields: WavHeaderFields): Uint8Array {
  const { format, channels, sampleRate, frames } = fields;
  const bits = bitsPerSample(format);
  const blockAlign = (channels * bits) / 8;
  const data = dataBytes(fields);
  const size = fileBytes(fields);
  if (frames > maxFrames(format, channels)) {
    throw new RangeError(
      `Cannot write WAV header: ${frames} frames exceed the 4 GiB RIFF limit (${maxFrames(format, channels)} frames for this format)`,
    );
  }
  const header = new Uint8Array(headerBytes(format));
  const view = new DataView(header.buffer);
  const ascii = (offset: number, text: string): void => {
    for (let i = 0; i < text.length; i++) header[offset + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, size - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  const isFloat = format === 'float32';
  view.setUint32(16, isFloat ? 18 : 16, true);
  view.setUint16(20, isFloat ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, bits, true);
  let offset = 36;
  if (isFloat) {
    view.setUint16(36, 0, true);
    ascii(38, 'fact');
    view.setUint32(42, 4, true);
    view.setUint32(46, frames, true);
    offset = 50;
  }
  ascii(offset, 'data');
  view.setUint32(offset + 4, data, true);
  return header;
}
