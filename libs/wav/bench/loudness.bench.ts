// Loudness measurement time for 10 minutes of 32 kHz audio (mono and stereo).
import { measureLoudness } from '../src/index.js';
import { describeTimings, testAudio, time } from './bench-utils.js';

const RUNS = 5;
const audio = testAudio(600);
console.log(`measureLoudness, 10 min at 32 kHz, ${RUNS} runs after a warm-up`);
for (const channels of [[audio], [audio, audio]]) {
  let lufs = 0;
  const timings = time(RUNS, () => {
    lufs = measureLoudness(channels);
  });
  console.log(
    `  ${channels.length === 1 ? 'mono  ' : 'stereo'} ${describeTimings(timings)}; ${lufs.toFixed(2)} LUFS`,
  );
}
