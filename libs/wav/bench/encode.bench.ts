// Encoding throughput: 10 minutes of 32 kHz mono audio, in memory, each format; wavefile for comparison.
import wavefile from 'wavefile';
import { encodeWav, type WavFormat } from '../src/index.js';
import { median, testAudio, time } from './bench-utils.js';

const { WaveFile } = wavefile;
const RUNS = 9;
const audio = testAudio(600);

console.log(
  `encodeWav, 10 min of 32 kHz mono (${audio.length} samples), median of ${RUNS} runs after a warm-up`,
);
for (const format of ['pcm16', 'pcm24', 'float32'] as WavFormat[]) {
  let bytes = 0;
  const durations = time(RUNS, () => {
    bytes = encodeWav([audio], { format }).length;
  });
  const ms = median(durations);
  console.log(
    `  ${format.padEnd(8)} ${(bytes / 1e6).toFixed(1)} MB in ${ms.toFixed(1)} ms: ${(bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s` +
      ` (min ${durations[0]?.toFixed(1)} ms, max ${durations.at(-1)?.toFixed(1)} ms)`,
  );
}

// wavefile 11 for comparison, on 1 minute only (it is much slower): its float-to-16-bit path.
const minute = audio.subarray(0, 32000 * 60);
const wavefileRuns = time(3, () => {
  const wav = new WaveFile();
  wav.fromScratch(1, 32000, '32f', minute);
  wav.toBitDepth('16');
  wav.toBuffer();
});
const encodeRuns = time(3, () => encodeWav([minute]));
const mb = (minute.length * 2) / 1e6;
console.log(
  `wavefile fromScratch('32f') + toBitDepth('16') + toBuffer, 1 min: ${median(wavefileRuns).toFixed(1)} ms = ` +
    `${(mb / (median(wavefileRuns) / 1000)).toFixed(0)} MB/s; encodeWav on the same minute: ${median(encodeRuns).toFixed(1)} ms`,
);
