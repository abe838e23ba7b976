import type { WavFormat } from './wav-options.js';

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** A WAV file read back: its layout and one `Float32Array` per channel, nominally in [-1, 1]. */
export interface DecodedWav {
  readonly sampleRate: number;
  /** `pcm16`, `pcm24` or `float32`; `pcm32` for 32-bit integer PCM (read, never written here). */
  readonly format: WavFormat | 'pcm32';
  readonly frames: number;
  readonly channels: Float32Array[];
}

/**
 * Reads a RIFF/WAVE file held in memory: PCM 16, 24 or 32-bit integer, or 32-bit float
 * (`WAVE_FORMAT_PCM`, `WAVE_FORMAT_IEEE_FLOAT`, or `WAVE_FORMAT_EXTENSIBLE` with either sub-format),
 * any channel count. Chunks other than `fmt ` and `data` are skipped. Integers are scaled by 2^(bits-1)
 * (so -32768 reads -1). A data chunk cut short (a file still being copied) gives the whole frames present.
 *
 * @example
 * ```ts
 * const { sampleRate, channels } = decodeWav(await readFile('calm_1a2b3c4d.wav'));
 * channels[0].length / sampleRate; // seconds
 * ```
 *
 * @throws {SyntaxError} when the bytes are not a WAV file this reader understands, naming what is wrong.
 */
export function decodeWav(bytes: Uint8Array): DecodedWav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  if (bytes.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    throw new SyntaxError(
      `Cannot read WAV as the file does not start with a RIFF/WAVE header: got ${JSON.stringify(tag(0))}`,
    );
  }
  let fmt: { code: number; channels: number; sampleRate: number; bits: number } | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.byteLength) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16)
        throw new SyntaxError(`Cannot read WAV as its fmt chunk has ${size} bytes, fewer than 16`);
      let code = view.getUint16(body, true);
      // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
      if (code === WAVE_FORMAT_EXTENSIBLE && size >= 40) code = view.getUint16(body + 24, true);
      fmt = {
        code,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!fmt) throw new SyntaxError('Cannot read WAV as its data chunk comes before any fmt chunk');
      return samplesOf(bytes.subarray(body, Math.min(body + size, bytes.byteLength)), fmt);
    }
    offset = body + size + (size % 2);
  }
  throw new SyntaxError(`Cannot read WAV as it has ${fmt ? 'no data' : 'no fmt'} chunk`);
}

function samplesOf(
  data: Uint8Array,
  fmt: { code: number; channels: number; sampleRate: number; bits: number },
): DecodedWav {
  const { code, channels: count, sampleRate, bits } = fmt;
  const format =
    code === WAVE_FORMAT_IEEE_FLOAT && bits === 32
      ? 'float32'
      : code === WAVE_FORMAT_PCM && (bits === 16 || bits === 24 || bits === 32)
        ? (`pcm${bits}` as const)
        : undefined;
  if (format === undefined) {
    throw new SyntaxError(
      `Cannot read WAV as its sample format is not 16, 24 or 32-bit PCM or 32-bit float: format ${code}, ${bits} bits`,
    );
  }
  if (count < 1 || sampleRate < 1) {
    throw new SyntaxError(`Cannot read WAV as it declares ${count} channels at ${sampleRate} Hz`);
  }
  const width = bits / 8;
  const frames = Math.floor(data.byteLength / (width * count));
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const channels = Array.from({ length: count }, () => new Float32Array(frames));
  for (let frame = 0; frame < frames; frame++) {
    for (let c = 0; c < count; c++) {
      const at = (frame * count + c) * width;
      let value: number;
      if (format === 'pcm16') value = view.getInt16(at, true) / 32768;
      else if (format === 'pcm24') {
        const raw = view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16);
        value = raw / 8388608;
      } else if (format === 'pcm32') value = view.getInt32(at, true) / 2147483648;
      else value = view.getFloat32(at, true);
      (channels[c] as Float32Array)[frame] = value;
    }
  }
  return { sampleRate, format, frames, channels };
}
