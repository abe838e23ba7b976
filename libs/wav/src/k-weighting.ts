/**
 * Coefficients of one biquad section, normalised so that a0 = 1:
 * `y[n] = b0 x[n] + b1 x[n-1] + b2 x[n-2] - a1 y[n-1] - a2 y[n-2]`.
 */
export interface Biquad {
  readonly b0: number;
  readonly b1: number;
  readonly b2: number;
  readonly a1: number;
  readonly a2: number;
}

// Analogue-prototype parameters of the two ITU-R BS.1770 K-weighting stages. The standard publishes
// only 48 kHz coefficients; these parameters reproduce them (to ~1e-14) through the bilinear transform
// with the centre frequency pre-warped, and give the same curve at any other sample rate.
const SHELF_FREQUENCY_HZ = 1681.974450955533;
const SHELF_GAIN_DB = 3.999843853973347;
const SHELF_Q = 0.7071752369554196;
/** Exponent relating the shelf's band-pass gain Vb to its high-frequency gain Vh (Vb = Vh^e). */
const SHELF_VB_EXPONENT = 0.4996667741545416;
const HIGH_PASS_FREQUENCY_HZ = 38.13547087602444;
const HIGH_PASS_Q = 0.5003270373238773;

/**
 * The two K-weighting stages for `sampleRate`: a high shelf (+4 dB above ~1.5 kHz, modelling the head)
 * and a second-order high-pass at ~38 Hz (the "RLB" curve).
 */
export function kWeighting(sampleRate: number): readonly [Biquad, Biquad] {
  const shelfK = Math.tan((Math.PI * SHELF_FREQUENCY_HZ) / sampleRate);
  const vh = 10 ** (SHELF_GAIN_DB / 20);
  const vb = vh ** SHELF_VB_EXPONENT;
  const shelfA0 = 1 + shelfK / SHELF_Q + shelfK * shelfK;
  const shelf: Biquad = {
    b0: (vh + (vb * shelfK) / SHELF_Q + shelfK * shelfK) / shelfA0,
    b1: (2 * (shelfK * shelfK - vh)) / shelfA0,
    b2: (vh - (vb * shelfK) / SHELF_Q + shelfK * shelfK) / shelfA0,
    a1: (2 * (shelfK * shelfK - 1)) / shelfA0,
    a2: (1 - shelfK / SHELF_Q + shelfK * shelfK) / shelfA0,
  };
  const hpK = Math.tan((Math.PI * HIGH_PASS_FREQUENCY_HZ) / sampleRate);
  const hpA0 = 1 + hpK / HIGH_PASS_Q + hpK * hpK;
  const highPass: Biquad = {
    b0: 1,
    b1: -2,
    b2: 1,
    a1: (2 * (hpK * hpK - 1)) / hpA0,
    a2: (1 - hpK / HIGH_PASS_Q + hpK * hpK) / hpA0,
  };
  return [shelf, highPass];
}
