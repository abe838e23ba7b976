import type { Palette } from './music-theory.js';
import { noiseAt, osc } from './oscillator.js';

/** A lead tone: one sample at `t` seconds after the note's onset (t >= 0). */
export type LeadVoice = (f0: number, t: number) => number;

const TAU = 2 * Math.PI;
const attack = (t: number, seconds: number) => (t < seconds ? t / seconds : 1);

const PIANO_PARTIALS = [1, 2, 3, 4, 5, 6].map((h) => ({
  ratio: h * (1 + 0.0004 * h * h),
  level: 1 / h ** 1.4,
}));

function piano(f0: number, t: number): number {
  const step = Math.exp(-0.8 * t);
  let decay = Math.exp(-1.6 * t);
  let sum = 0;
  for (const partial of PIANO_PARTIALS) {
    decay *= step;
    sum += osc(f0 * partial.ratio * t) * decay * partial.level;
  }
  return 0.7 * sum * attack(t, 0.003);
}

function synth(f0: number, t: number): number {
  const step = Math.exp(-0.6 * t);
  let decay = step;
  let sum = osc(f0 * t);
  for (let h = 2; h <= 8; h++) {
    decay *= step;
    sum += (osc(f0 * h * t) * decay) / h;
  }
  return 0.55 * sum * attack(t, 0.01) * (0.75 + 0.25 * step ** 5);
}

const STRING_LEVELS = [0, 1, 2, 3, 4, 5, 6].map((h) => Math.exp(-(h - 1) * 0.3) / h);

function strings(f0: number, t: number): number {
  const depth = 0.004 * Math.min(t / 0.3, 1);
  const phase = f0 * t + (f0 * depth * (1 - Math.cos(TAU * 5.5 * t))) / (TAU * 5.5);
  let sum = 0;
  for (let h = 1; h <= 6; h++) sum += osc(phase * h) * (STRING_LEVELS[h] as number);
  return 0.6 * sum * attack(t, 0.12);
}

function electricPiano(f0: number, t: number): number {
  const index = 2 * Math.exp(-t * 6) + 0.4;
  const body = osc(f0 * t + (index / TAU) * osc(f0 * t));
  const tine = 0.12 * osc(7 * f0 * t) * Math.exp(-t * 20);
  return 0.8 * (body + tine) * Math.exp(-t * 1.5) * attack(t, 0.004);
}

function ambient(f0: number, t: number): number {
  const tone = osc(f0 * t) + 0.25 * osc(2 * f0 * t) + 0.1 * osc(3.003 * f0 * t);
  return 0.75 * tone * attack(t, 0.15) * Math.exp(-t * 0.6);
}

function pluck(f0: number, t: number): number {
  const step = Math.exp(-1.2 * t);
  let decay = Math.exp(-2.5 * t);
  let sum = 0;
  for (let h = 1; h <= 7; h++) {
    decay *= step;
    sum += (osc(f0 * h * t) * decay) / h;
  }
  return 0.8 * sum * attack(t, 0.002);
}

function chip(f0: number, t: number): number {
  let sum = 0;
  for (let h = 1; h <= 9; h += 2) sum += osc(f0 * h * t) / h;
  return 0.45 * sum * attack(t, 0.002) * Math.exp(-t * 0.8);
}

function bell(f0: number, t: number): number {
  const index = 3 * Math.exp(-t * 4) + 0.5;
  return 0.7 * osc(f0 * t + (index / TAU) * osc(3.5 * f0 * t)) * Math.exp(-t * 1.6) * attack(t, 0.002);
}

/** The lead instrument of each palette. */
export const LEAD_VOICES: Record<Palette, LeadVoice> = {
  piano,
  synth,
  strings,
  lofi: electricPiano,
  ambient,
  electronic: pluck,
  chiptune: chip,
  bells: bell,
};

/** Palettes whose chords are struck on every beat (the others hold a pad). */
export const STRUCK_CHORDS: ReadonlySet<Palette> = new Set<Palette>(['piano', 'lofi']);

/** A sustained pad tone at frequency f (a multiple of the bar's frequency quantum) and bar time tb. */
export function padTone(palette: Palette, f: number, detune: number, tb: number): number {
  if (palette === 'chiptune') return 0.5 * (osc(f * tb) + osc(3 * f * tb) / 3);
  const bright = palette === 'synth' || palette === 'electronic' ? 0.45 : 0.25;
  return (
    0.5 * (osc(f * tb) + 0.7 * osc((f + detune) * tb) + bright * osc(2 * f * tb) + 0.1 * osc(3 * f * tb))
  );
}

/** A bass tone at bar time tb (continuous across the bar). */
export function bassTone(palette: Palette, f: number, tb: number): number {
  if (palette === 'synth' || palette === 'electronic' || palette === 'chiptune') {
    let sum = 0;
    for (let h = 1; h <= 5; h++) sum += osc(f * h * tb) / h;
    return 0.7 * sum;
  }
  return osc(f * tb) + 0.35 * osc(2 * f * tb) + 0.12 * osc(3 * f * tb);
}

/** Kick drum: a sine swept from about 158 Hz down to 48 Hz, with a short click; t in seconds. */
export function kick(t: number, n: number, id: number): number {
  const phase = 48 * t + 110 * 0.035 * (1 - Math.exp(-t / 0.035));
  return osc(phase) * Math.exp(-t / 0.16) + 0.3 * noiseAt(id, n) * Math.exp(-t / 0.002);
}

/** Snare drum: a 185 Hz body and low-passed noise. */
export function snare(t: number, n: number, id: number): number {
  const noise = 0.5 * (noiseAt(id, n) + noiseAt(id, n - 1));
  return 0.45 * osc(185 * t) * Math.exp(-t / 0.05) + 0.75 * noise * Math.exp(-t / 0.11);
}

/** Hi-hat: high-passed noise, closed (short) or open (longer). */
export function hat(t: number, n: number, id: number, open: boolean): number {
  const noise = 0.5 * (noiseAt(id, n) - noiseAt(id, n - 1));
  return noise * Math.exp(-t / (open ? 0.12 : 0.025));
}
