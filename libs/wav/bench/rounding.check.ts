// Checks that encodeWav's 16-bit rounding (truncation of y + 32768.5) equals Math.round(x * 32767) for every
// float32 sample where double rounding could make them differ: |x| in [2^-17, 2^-12] (about 84 M values).
// Above that range y + 32768.5 is exact in double precision; below it both give 0.
import { encodeWav } from '../src/index.js';

const bits = new Uint32Array(1);
const asFloat = new Float32Array(bits.buffer);
const first = (x: number): number => {
  asFloat[0] = x;
  return bits[0] as number;
};
const BATCH = 1 << 20;
let checked = 0;
let mismatches = 0;
for (const sign of [0, 0x80000000]) {
  const lo = first(2 ** -17);
  const hi = first(2 ** -12);
  for (let start = lo; start <= hi; start += BATCH) {
    const count = Math.min(BATCH, hi - start + 1);
    const pattern = new Uint32Array(count);
    for (let i = 0; i < count; i++) pattern[i] = ((start + i) | sign) >>> 0;
    const samples = new Float32Array(pattern.buffer);
    const wav = encodeWav([samples]);
    const values = new Int16Array(wav.buffer, 44, count);
    for (let i = 0; i < count; i++) {
      if (values[i] !== Math.round((samples[i] as number) * 32767) + 0) {
        mismatches++;
        if (mismatches <= 5) console.log(`mismatch at ${samples[i]}: ${values[i]}`);
      }
    }
    checked += count;
  }
}
console.log(`checked ${checked} float32 samples, ${mismatches} mismatches`);
if (mismatches > 0) process.exitCode = 1;
