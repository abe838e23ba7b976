export { encodeWav } from './encode-wav.js';
export { equalPowerCrossfade } from './equal-power-crossfade.js';
export { LoudnessMeter, measureLoudness, type LoudnessOptions } from './loudness-meter.js';
export { measurePeak, measureRms } from './measure-level.js';
export {
  NormalizationMeter,
  planNormalization,
  type NormalizationOptions,
  type NormalizationPlan,
  type NormalizationStrategy,
} from './normalization-meter.js';
export { normalize } from './normalize.js';
export type { WavEncodeOptions, WavFormat } from './wav-options.js';
export { encodeWavStream, type WavStreamOptions } from './encode-wav-stream.js';
export { wavByteLength, type WavByteLengthOptions } from './wav-byte-length.js';
export {
  createWavWriter,
  type WavWriter,
  type WavWriterOptions,
  type WavWriterResult,
} from './create-wav-writer.js';
export {
  assessTrack,
  DEFAULT_QA_THRESHOLDS,
  type QaThresholds,
  type QaReason,
  type TrackQa,
} from './assess-track.js';
export {
  silenceRatio,
  clippingRatio,
  spectralFlatness,
  repetitionScore,
  trackSpectra,
} from './track-measures.js';
export { powerSpectrum, hannWindow } from './power-spectrum.js';
export { decodeWav, type DecodedWav } from './decode-wav.js';
export { spectrogram, type Spectrogram, type SpectrogramOptions } from './spectrogram.js';
export { monoMix, waveformPeaks, type WaveformPeaks } from './waveform-peaks.js';
