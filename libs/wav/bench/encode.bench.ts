// Encoding throughput: 10 minutes of 32 kHz mono audio, in memory, each format; wavefile for comparison.
import wavefile from 'wavefile';
import { encodeWav, type WavFormat } from '../src/index.js';
import { describeTimings, median, testAudio, time } from './bench-utils.js';

const { WaveFile } = wavefile;
const RUNS = 9;
const audio = testAudio(600);
const rate = (bytes: number, ms: number): string => `${(bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s`;

console.log(`encodeWav, 10 min of 32 kHz mono (${audio.length} samples), ${RUNS} runs after a warm-up`);
for (const format of ['pcm16', 'pcm24', 'float32'] as WavFormat[]) {
  let bytes = 0;
  const timings = time(RUNS, () => {
    bytes = encodeWav([audio], { format }).length;
  });
  const wall = median(timings.map((t) => t.wallMs));
  const cpu = median(timings.map((t) => t.cpuMs));
  console.log(
    `  ${format.padEnd(8)} ${(bytes / 1e6).toFixed(1)} MB: ${rate(bytes, wall)} by median wall time, ` +
      `${rate(bytes, cpu)} by median CPU time; ${describeTimings(timings)}`,
  );
}

// wavefile 11 for comparison, on 1 minute only (it is much slower): its float-to-16-bit path.
const minute = audio.subarray(0, 32000 * 60);
const bytes = minute.length * 2;
const wavefileRuns = time(1, () => {
  const wav = new WaveFile();
  wav.fromScratch(1, 32000, '32f', minute);
  wav.toBitDepth('16');
  wav.toBuffer();
});
const encodeRuns = time(3, () => encodeWav([minute]));
console.log(
  `wavefile fromScratch('32f') + toBitDepth('16') + toBuffer on 1 min: ${rate(bytes, median(wavefileRuns.map((t) => t.cpuMs)))} ` +
    `by CPU time (${describeTimings(wavefileRuns)}); encodeWav on the same minute: ` +
    `${rate(bytes, median(encodeRuns.map((t) => t.cpuMs)))} (${describeTimings(encodeRuns)})`,
);
