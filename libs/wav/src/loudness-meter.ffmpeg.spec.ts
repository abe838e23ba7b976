import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { encodeWav } from './encode-wav.js';
import { measureLoudness } from './loudness-meter.js';
import { describeWithTools } from './test-support/external-tools.js';

const RATE = 32000;

/** Deterministic white noise (xorshift32) in [-1, 1). */
function noise(frames: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: frames }, () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 31 - 1;
  });
}

/** Audio with level changes and spectral content on both sides of the K-weighting's corners. */
function programme(seed: number): Float32Array {
  const frames = RATE * 12;
  const n = noise(frames, seed);
  return Float32Array.from({ length: frames }, (_, i) => {
    const t = i / RATE;
    const level = t < 3 ? 0.05 : t < 8 ? 0.4 : t < 9 ? 0.002 : 0.2;
    const tones = 0.3 * Math.sin(2 * Math.PI * 55 * t) + 0.2 * Math.sin(2 * Math.PI * 6000 * t);
    return level * (0.5 * (n[i] as number) + tones);
  });
}

function ffmpegIntegratedLoudness(path: string): number {
  const result = spawnSync('ffmpeg', [
    '-nostats',
    '-hide_banner',
    '-i',
    path,
    '-af',
    'ebur128',
    '-f',
    'null',
    '-',
  ]);
  const summary = result.stderr.toString().split('Summary:')[1] ?? '';
  const match = /I:\s+(-?[\d.]+|-inf) LUFS/.exec(summary);
  if (!match) throw new Error(`ffmpeg printed no integrated loudness: ${result.stderr.toString()}`);
  return Number(match[1]);
}

describeWithTools(['ffmpeg'], 'measureLoudness agrees with ffmpeg ebur128', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wav-loudness-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const sine = (frequency: number, amplitude: number): Float32Array =>
    Float32Array.from(
      { length: RATE * 5 },
      (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / RATE),
    );

  it.each([
    ['997 Hz sine, full scale, mono', [sine(997, 1)]],
    ['60 Hz sine at -12 dBFS, mono', [sine(60, 0.25)]],
    ['10 kHz sine at -20 dBFS, mono', [sine(10000, 0.1)]],
    ['noise and tones with level changes, mono', [programme(1)]],
    ['noise and tones with level changes, stereo', [programme(2), programme(3)]],
  ] as const)('%s', (name, channels) => {
    const path = join(dir, `${name.replace(/\W+/g, '-')}.wav`);
    writeFileSync(path, encodeWav([...channels], { format: 'float32', sampleRate: RATE }));
    const ours = measureLoudness([...channels], { sampleRate: RATE });
    // ffmpeg prints one decimal; allow for that rounding plus its histogram-based gating.
    expect(Math.abs(ours - ffmpegIntegratedLoudness(path))).toBeLessThanOrEqual(0.1);
  });
});
