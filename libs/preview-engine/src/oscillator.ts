const TABLE_SIZE = 4096;
const SINE = new Float64Array(TABLE_SIZE + 1);
for (let i = 0; i <= TABLE_SIZE; i++) SINE[i] = Math.sin((2 * Math.PI * i) / TABLE_SIZE);

/** sin(2π · cycles) from a 4096-entry table with linear interpolation (error below 1e-6). */
export function osc(cycles: number): number {
  const x = (cycles - Math.floor(cycles)) * TABLE_SIZE;
  const i = x | 0;
  const a = SINE[i] as number;
  return a + ((SINE[i + 1] as number) - a) * (x - i);
}

/** Frequency in Hz of a MIDI note (A4 = 69 = 440 Hz). */
export function midiToHz(midi: number): number {
  return 440 * 2 ** ((midi - 69) / 12);
}

/**
 * White noise in [-1, 1) as a pure function of (voice id, sample index): the same sample of the
 * same hit always sounds the same, however the codes are cut into segments.
 */
export function noiseAt(voice: number, sample: number): number {
  let h = Math.imul(voice, 0x9e3779b1) ^ sample;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2147483648 - 1;
}
