import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createWavWriter } from './create-wav-writer.js';
import { encodeWav } from './encode-wav.js';
import { describeWithTools, f32le, maxAbsDifference, run } from './test-support/external-tools.js';
import type { WavFormat } from './wav-options.js';

const FRAMES = 1001;
const signal = (phase: number): Float32Array =>
  Float32Array.from({ length: FRAMES }, (_, i) => 1.2 * Math.sin((2 * Math.PI * 440 * i) / 32000 + phase));

/** What a decoder that maps integers to floats by dividing by 2^(bits-1) must return. */
function expectedDecoded(channels: Float32Array[], format: WavFormat): number[] {
  const out: number[] = [];
  for (let i = 0; i < FRAMES; i++) {
    for (const channel of channels) {
      const x = Math.max(-1, Math.min(1, channel[i] as number));
      if (format === 'pcm16') out.push(Math.round(x * 32767) / 32768 + 0);
      else if (format === 'pcm24') out.push(Math.round(x * 8388607) / 8388608 + 0);
      else out.push(Math.fround(x) + 0);
    }
  }
  return out;
}

const cases = (['pcm16', 'pcm24', 'float32'] as const).flatMap((format) =>
  [1, 2].map((channelCount) => ({ format, channelCount })),
);
const SOX_ENCODING = {
  pcm16: 'Signed Integer PCM',
  pcm24: 'Signed Integer PCM',
  float32: 'Floating Point PCM',
};
const FFPROBE_CODEC = { pcm16: 'pcm_s16le', pcm24: 'pcm_s24le', float32: 'pcm_f32le' };
const BITS = { pcm16: '16', pcm24: '24', float32: '32' };

describeWithTools(['sox', 'ffprobe', 'ffmpeg'], 'encodeWav read back by sox and ffmpeg', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wav-decoders-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(cases)('$format with $channelCount channel(s)', ({ format, channelCount }) => {
    const channels = [signal(0), signal(1)].slice(0, channelCount);
    const path = join(dir, `${format}-${channelCount}.wav`);
    writeFileSync(path, encodeWav(channels, { format }));
    const expected = expectedDecoded(channels, format);

    const soxInfo = ['-r', '-c', '-s', '-b', '-e'].map((flag) =>
      run('sox', ['--i', flag, path]).toString().trim(),
    );
    expect(soxInfo).toEqual([
      '32000',
      String(channelCount),
      String(FRAMES),
      BITS[format],
      SOX_ENCODING[format],
    ]);
    // sox converts through 32-bit integers and rounds float output to multiples of 2^-25: integer formats
    // come back exactly, float32 within that step.
    const soxSamples = f32le(run('sox', [path, '-t', 'f32', '-']));
    if (format === 'float32') expect(maxAbsDifference(soxSamples, expected)).toBeLessThanOrEqual(2 ** -25);
    else expect(soxSamples).toEqual(expected);

    const probe = JSON.parse(
      run('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', path]).toString(),
    ) as {
      streams: { codec_name: string; sample_rate: string; channels: number; duration_ts: number }[];
    };
    expect(probe.streams.map((s) => [s.codec_name, s.sample_rate, s.channels, s.duration_ts])).toEqual([
      [FFPROBE_CODEC[format], '32000', channelCount, FRAMES],
    ]);
    expect(f32le(run('ffmpeg', ['-v', 'error', '-i', path, '-f', 'f32le', '-']))).toEqual(expected);
  });

  it.each(cases)(
    'createWavWriter output, $format with $channelCount channel(s)',
    async ({ format, channelCount }) => {
      const channels = [signal(0.5), signal(2)].slice(0, channelCount);
      const path = join(dir, `writer-${format}-${channelCount}.wav`);
      const writer = await createWavWriter(path, { format, channels: channelCount, bufferBytes: 600 });
      await writer.write(channels.map((c) => c.subarray(0, 333)));
      await writer.write(channels.map((c) => c.subarray(333)));
      await writer.close();
      expect(run('sox', ['--i', '-s', path]).toString().trim()).toBe(String(FRAMES));
      const expected = expectedDecoded(channels, format);
      expect(f32le(run('ffmpeg', ['-v', 'error', '-i', path, '-f', 'f32le', '-']))).toEqual(expected);
    },
  );
});
