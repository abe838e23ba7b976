export { encodeWav } from './encode-wav.js';
export { equalPowerCrossfade } from './equal-power-crossfade.js';
export { LoudnessMeter, measureLoudness, type LoudnessOptions } from './loudness-meter.js';
export type { WavEncodeOptions, WavFormat } from './wav-options.js';
