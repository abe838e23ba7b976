// Loudness measurement time for 10 minutes of 32 kHz audio (mono and stereo).
import { measureLoudness } from '../src/index.js';
import { median, testAudio, time } from './bench-utils.js';

const RUNS = 5;
const audio = testAudio(600);
console.log(`measureLoudness, 10 min at 32 kHz, median of ${RUNS} runs after a warm-up`);
for (const channels of [[audio], [audio, audio]]) {
  let lufs = 0;
  const durations = time(RUNS, () => {
    lufs = measureLoudness(channels);
  });
  console.log(
    `  ${channels.length === 1 ? 'mono  ' : 'stereo'} ${median(durations).toFixed(0)} ms ` +
      `(min ${durations[0]?.toFixed(0)} ms, max ${durations.at(-1)?.toFixed(0)} ms); ${lufs.toFixed(2)} LUFS`,
  );
}
