import { SAMPLE_RATE_HZ, SAMPLES_PER_FRAME } from '@musicgen/contract';
import { barFrames, stepStart, unpackFrame, LEAD_MIDI_BASE, type FrameFields } from './frame-code.js';
import { DRUM_PATTERNS, PALETTES, chordPitchClasses, type Palette } from './music-theory.js';
import { midiToHz } from './oscillator.js';
import { reverbWet } from './reverb.js';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { LEAD_VOICES, STRUCK_CHORDS, bassTone, hat, kick, padTone, snare } from './voices.js';

const HOP = SAMPLES_PER_FRAME;
/** Samples over which neighbouring grains cross-fade (5 ms). */
const FADE = 160;
/** A grain starts this many samples before its frame; events (onsets) sit at the end of the fade-in. */
const LEAD_IN = FADE / 2;
const GRAIN = HOP + FADE;
const WINDOW = new Float64Array(GRAIN);
for (let i = 0; i < GRAIN; i++) {
  const rise = (j: number) => 0.5 - 0.5 * Math.cos((Math.PI * (j + 0.5)) / FADE);
  WINDOW[i] = i < FADE ? rise(i) : i >= HOP ? 1 - rise(i - HOP) : 1;
}

const DYNAMICS_GAIN = [0.55, 0.7, 0.85, 1];
const MASTER_GAIN = 0.7;
/** One-pole DC blocker (about 8 Hz at 32 kHz). */
const DC_BLOCK_POLE = 0.9985;
const REVERB_WET: Record<Palette, number> = {
  piano: 0.22,
  synth: 0.18,
  strings: 0.28,
  lofi: 0.18,
  ambient: 0.4,
  electronic: 0.15,
  chiptune: 0.1,
  bells: 0.32,
};
/** Lead notes fade out between these ages (in samples) so a saturated age is silent. */
const FADE_START = 52 * HOP;
const FADE_END = 62 * HOP;

/**
 * Turns preview codes into mono 32 kHz audio in [-1, 1): `frames * 640` samples from codebook-major
 * codes `[4, frames]`. Any values 0..2047 decode; see frame-code.ts for what each codebook means.
 *
 * Each frame renders a grain of 800 samples (its 640 plus 80 on each side, raised-cosine edges, hop
 * 640) from its own codes only: notes
 * take their phase from the frames since onset (codebook 1), pads and bass from the position in
 * the bar (codebook 2), with frequencies rounded to whole cycles per bar, so consecutive grains
 * agree and changes cross-fade over 5 ms. Decoding frames [a, b) alone therefore gives the same
 * dry signal as decoding them within a longer sequence, except in the 80 samples at each edge;
 * what is not continuous is the reverb tail (it starts silent) and drum tails from a hit before a.
 *
 * @example
 * ```ts
 * const audio = decodeCodes(generateReferenceCodes(params, 50), 50); // 32 000 samples
 * ```
 */
export function decodeCodes(codes: Int32Array, frames: number): Float32Array {
  const steps = decodeSteps(codes, frames);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/**
 * {@link decodeCodes} in slices of {@link FRAMES_PER_SLICE} frames with a turn of the event loop
 * between slices, so a server keeps serving other calls while it decodes. Same samples.
 *
 * @example
 * ```ts
 * const audio = await decodeCodesCooperatively(codes, 1500);
 * ```
 */
export async function decodeCodesCooperatively(codes: Int32Array, frames: number): Promise<Float32Array> {
  const steps = decodeSteps(codes, frames);
  let step = steps.next();
  while (!step.done) {
    await yieldToLoop();
    step = steps.next();
  }
  return step.value;
}

/** Frames rendered between yields of {@link decodeCodesCooperatively}. */
export const FRAMES_PER_SLICE = 25;

function* decodeSteps(codes: Int32Array, frames: number): Generator<void, Float32Array, void> {
  const total = frames * HOP;
  const dry = new Float32Array(total);
  const grain = new Float64Array(GRAIN);
  const wetGain = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    const fields = unpackFrame(
      codes[f] as number,
      codes[frames + f] as number,
      codes[2 * frames + f] as number,
      codes[3 * frames + f] as number,
    );
    const palette = PALETTES[fields.palette] as Palette;
    wetGain[f] = REVERB_WET[palette];
    grain.fill(0);
    renderGrain(grain, fields, palette);
    const start = f * HOP - LEAD_IN;
    for (let i = 0; i < GRAIN; i++) {
      const n = start + i;
      if (n < 0 || n >= total) continue;
      const w = (f === 0 && i < FADE) || (f === frames - 1 && i >= HOP) ? 1 : (WINDOW[i] as number);
      dry[n] = (dry[n] as number) + (grain[i] as number) * w;
    }
    if ((f + 1) % FRAMES_PER_SLICE === 0) yield;
  }
  const wet = reverbWet(dry);
  const out = new Float32Array(total);
  let previousIn = 0;
  let previousOut = 0;
  for (let n = 0; n < total; n++) {
    const x = MASTER_GAIN * ((dry[n] as number) + (wet[n] as number) * (wetGain[(n / HOP) | 0] as number));
    previousOut = x - previousIn + DC_BLOCK_POLE * previousOut;
    previousIn = x;
    out[n] = softLimit(previousOut);
  }
  return out;
}

function softLimit(x: number): number {
  const a = Math.abs(x);
  if (a <= 0.8) return x;
  return Math.sign(x) * (0.8 + 0.2 * Math.tanh((a - 0.8) / 0.2));
}

/** Adds one frame's grain: samples k = -80 .. 719 relative to the frame start, at grain[k + 80]. */
function renderGrain(grain: Float64Array, c: FrameFields, palette: Palette): void {
  const fpb = barFrames(c.tempoIndex);
  const quantum = 50 / fpb;
  const offset = Math.min(stepStart(c.step, fpb) + c.stepAge, fpb);
  const gain = DYNAMICS_GAIN[c.dynamics] as number;
  const pattern = DRUM_PATTERNS[c.pattern] as (typeof DRUM_PATTERNS)[number];
  const sinceStep = (s: number) => (offset - stepStart(s, fpb)) * HOP - LEAD_IN;
  const chord = chordPitchClasses(c.tonic, c.minor, c.degree, c.seventh);

  if (c.pitch > 0) {
    const voice = LEAD_VOICES[palette];
    const f0 = midiToHz(LEAD_MIDI_BASE + c.pitch);
    const base = c.age * HOP - LEAD_IN;
    for (let i = 0; i < GRAIN; i++) {
      const t = base + i - LEAD_IN;
      if (t < 0 || t >= FADE_END) continue;
      const fade = t > FADE_START ? (FADE_END - t) / (FADE_END - FADE_START) : 1;
      grain[i] = (grain[i] as number) + 0.28 * gain * fade * voice(f0, t / SAMPLE_RATE_HZ);
    }
  }

  if (chord.length > 0) {
    const midis = voiceChord(chord);
    const level = (0.2 * gain) / midis.length;
    const struck = STRUCK_CHORDS.has(palette);
    const beatT = sinceStep(c.step & ~3);
    for (const midi of midis) {
      const f = Math.max(quantum, Math.round(midiToHz(midi) / quantum) * quantum);
      if (struck) {
        const voice = LEAD_VOICES[palette];
        for (let i = 0; i < GRAIN; i++) {
          const t = beatT + i - LEAD_IN;
          if (t >= 0) grain[i] = (grain[i] as number) + level * voice(f, t / SAMPLE_RATE_HZ);
        }
      } else {
        for (let i = 0; i < GRAIN; i++) {
          const tb = (offset * HOP + i - LEAD_IN) / SAMPLE_RATE_HZ;
          let env = 1;
          if (palette === 'electronic') {
            const t = beatT + i - LEAD_IN;
            env = t < 0 ? 1 : 0.35 + 0.65 * (1 - Math.exp((-t / SAMPLE_RATE_HZ) * 10));
          }
          grain[i] = (grain[i] as number) + level * env * padTone(palette, f, quantum, tb);
        }
      }
    }
    const bassF = Math.round(midiToHz(36 + (chord[0] as number)) / quantum) * quantum;
    const hit = lastHit(pattern.kick, c.step, true);
    const hitT = sinceStep(hit);
    const bassLevel = 0.3 * gain * (c.bassBoost ? 1.5 : 1);
    for (let i = 0; i < GRAIN; i++) {
      const t = hitT + i - LEAD_IN;
      const env = t < 0 ? 0.45 : 0.45 + 0.55 * Math.exp((-t / SAMPLE_RATE_HZ) * 6);
      grain[i] =
        (grain[i] as number) +
        bassLevel * env * bassTone(palette, bassF, (offset * HOP + i - LEAD_IN) / SAMPLE_RATE_HZ);
    }
  }

  const drumGain = gain * (palette === 'lofi' ? 0.7 : 1);
  renderDrum(grain, pattern.kick, c.step, sinceStep, 1, (t, n, id) => 0.55 * drumGain * kick(t, n, id));
  renderDrum(grain, pattern.snare, c.step, sinceStep, 2, (t, n, id) => 0.35 * drumGain * snare(t, n, id));
  renderDrum(grain, pattern.hat, c.step, sinceStep, 3, (t, n, id) => {
    const open = pattern.hat[lastHit(pattern.hat, c.step, false)] === 'o';
    return 0.2 * drumGain * (palette === 'lofi' ? 0.6 : 1) * hat(t, n, id, open);
  });
}

function renderDrum(
  grain: Float64Array,
  steps: string,
  step: number,
  sinceStep: (s: number) => number,
  drum: number,
  voice: (t: number, n: number, id: number) => number,
): void {
  const hit = lastHit(steps, step, false);
  if (hit < 0) return;
  const start = sinceStep(hit);
  const id = drum * 16 + hit;
  for (let i = 0; i < GRAIN; i++) {
    const n = start + i - LEAD_IN;
    if (n >= 0) grain[i] = (grain[i] as number) + voice(n / SAMPLE_RATE_HZ, n, id);
  }
}

/** The last step <= step that has a hit in a 16-character pattern; -1 (or 0 when `always0`) if none. */
function lastHit(steps: string, step: number, always0: boolean): number {
  for (let s = step; s >= 0; s--) if (steps[s] !== '.') return s;
  return always0 ? 0 : -1;
}

/** Spreads chord pitch classes upward from a root between MIDI 52 and 63. */
function voiceChord(pitchClasses: readonly number[]): number[] {
  const midis: number[] = [];
  let previous = 0;
  for (const pc of pitchClasses) {
    let midi = 48 + pc;
    if (midis.length === 0 && midi < 52) midi += 12;
    while (midis.length > 0 && midi <= previous) midi += 12;
    midis.push(midi);
    previous = midi;
  }
  return midis;
}
