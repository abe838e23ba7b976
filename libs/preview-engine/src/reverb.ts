const COMB_DELAYS = [811, 863, 929, 983];
const ALLPASS_DELAYS = [401, 307];
const FEEDBACK = 0.8;
const DAMPING = 0.3;
const ALLPASS_GAIN = 0.5;

/**
 * A small Schroeder reverb (four damped comb filters in parallel, two all-passes in series) run
 * over a whole buffer; returns only the wet signal. It starts silent, so a segment decoded on its
 * own lacks the tail of the frames before it (it decays by about 60 dB within a second).
 */
export function reverbWet(input: Float32Array): Float32Array {
  const out = new Float32Array(input.length);
  for (const delay of COMB_DELAYS) {
    const line = new Float64Array(delay);
    let index = 0;
    let low = 0;
    for (let n = 0; n < input.length; n++) {
      const y = line[index] as number;
      low = y * (1 - DAMPING) + low * DAMPING;
      line[index] = (input[n] as number) + low * FEEDBACK;
      out[n] = (out[n] as number) + y * 0.25;
      if (++index === delay) index = 0;
    }
  }
  for (const delay of ALLPASS_DELAYS) {
    const line = new Float64Array(delay);
    let index = 0;
    for (let n = 0; n < out.length; n++) {
      const delayed = line[index] as number;
      const x = out[n] as number;
      line[index] = x + delayed * ALLPASS_GAIN;
      out[n] = delayed - x * ALLPASS_GAIN;
      if (++index === delay) index = 0;
    }
  }
  return out;
}
