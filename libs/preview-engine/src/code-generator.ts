import { CODEBOOKS } from '@musicgen/contract';
import { barFrames, packFrame, stepStart, unpackFrame, LEAD_MIDI_BASE, MAX_AGE } from './frame-code.js';
import { CHORD_TRANSITIONS, PALETTES, chordPitchClasses, scaleOf, type Palette } from './music-theory.js';
import { Prng, fmix32, mixSeed } from './prng.js';
import { parsePromptStyle } from './prompt-style.js';
import { sampleChoice, type SamplingOptions } from './sample-choice.js';

/** One `musicgen_lm` request as the synthesiser sees it (defaults already applied). */
export interface GenerationParams {
  text: string;
  /** Context codes, codebook-major `[4, promptFrames]`; empty for a fresh start. */
  promptCodes: Int32Array;
  promptFrames: number;
  seed: bigint;
  guidanceScale: number;
  topK: number;
  topP: number;
  temperature: number;
}

const DURATION_STEPS = [1, 2, 3, 4, 6, 8];
const DURATION_WEIGHTS: Partial<Record<Palette, number[]>> & { default: number[] } = {
  default: [0.5, 2, 0.6, 1.5, 0.4, 0.8],
  ambient: [0.1, 0.6, 0.3, 2, 1, 2],
  strings: [0.1, 0.8, 0.3, 2, 1, 1.5],
  chiptune: [2, 2, 0.5, 0.8, 0.2, 0.2],
  electronic: [2, 2, 0.5, 0.8, 0.2, 0.2],
};
const REST_SCORE: Partial<Record<Palette, number>> & { default: number } = { default: -1.3, ambient: -0.3 };
const MELODY_CENTRE: Partial<Record<Palette, number>> & { default: number } = {
  default: 70,
  bells: 76,
  chiptune: 74,
  strings: 67,
};
/** Lead notes are re-struck before this many frames so the decoder's fade-out never bites. */
const MAX_NOTE_FRAMES = 52;

/**
 * Generates preview codes frame by frame: a small "language model" over musical events whose
 * choices (next chord, next note, note length) are sampled with MusicGen's knobs (temperature,
 * top-k, top-p; guidance scales how strongly the melody sticks to chord tones) from a PRNG seeded
 * by (TEXT, SEED, PROMPT_CODES). The sequence does not depend on how many frames are asked for:
 * the first n frames of a longer request equal a request for n frames.
 *
 * With prompt codes the generator continues from their last frame: tempo, palette, key, bar
 * position, chord and pattern carry on, so the new frames follow on musically.
 *
 * @example
 * ```ts
 * const gen = new CodeGenerator({ text: 'upbeat synth', promptCodes: new Int32Array(0), promptFrames: 0,
 *   seed: 1n, guidanceScale: 3, topK: 250, topP: 0, temperature: 1 });
 * const [harmony, melody, rhythm, colour] = gen.nextFrame();
 * ```
 */
export class CodeGenerator {
  private readonly rng: Prng;
  private readonly sampling: SamplingOptions;
  private readonly guidance: number;
  private readonly palette: Palette;
  private readonly paletteIndex: number;
  private readonly tempoIndex: number;
  private readonly tonic: number;
  private readonly minor: boolean;
  private readonly drums: number;
  private readonly baseDynamics: number;
  private readonly bassBoost: boolean;
  private readonly framesPerBar: number;
  private readonly chordBeats: number;
  private barOffset = 0;
  private barIndex = 0;
  private fresh = true;
  private degree = 0;
  private seventh = false;
  private beatInChord = 0;
  private pitch = 0;
  private age = 0;
  private noteStepsLeft = 0;
  private pattern = 0;
  private dynamics = 0;

  constructor(params: GenerationParams) {
    let seed = mixSeed(params.text, params.seed);
    for (let i = 0; i < params.promptCodes.length; i++)
      seed = fmix32(seed ^ (params.promptCodes[i] as number) ^ (i << 11));
    this.rng = new Prng(seed);
    this.sampling = { temperature: params.temperature, topK: params.topK, topP: params.topP };
    this.guidance = params.guidanceScale;
    const style = parsePromptStyle(params.text, this.rng);
    const last = lastFrame(params.promptCodes, params.promptFrames);
    if (last) {
      this.paletteIndex = last.palette;
      this.tempoIndex = last.tempoIndex;
      this.tonic = last.tonic;
      this.minor = last.minor;
      this.drums = last.pattern === 7 ? style.drums : last.pattern;
      this.baseDynamics = Math.min(last.dynamics, 2);
      this.bassBoost = last.bassBoost;
    } else {
      this.paletteIndex = PALETTES.indexOf(style.palette);
      this.tempoIndex = (style.tempoBpm - 60) / 4;
      this.tonic = style.tonic;
      this.minor = style.minor;
      this.drums = style.drums;
      this.baseDynamics = Math.min(style.dynamics, 2);
      this.bassBoost = style.bassBoost;
    }
    this.palette = PALETTES[this.paletteIndex] as Palette;
    this.framesPerBar = barFrames(this.tempoIndex);
    this.chordBeats =
      this.palette === 'ambient' || this.palette === 'strings' || this.tempoIndex >= 13 ? 4 : 2;
    this.pattern = this.drums;
    this.dynamics = this.baseDynamics;
    if (last) {
      this.fresh = false;
      this.barOffset = Math.min(
        stepStart(last.step, this.framesPerBar) + last.stepAge + 1,
        this.framesPerBar,
      );
      this.degree = last.degree === 7 ? 0 : last.degree;
      this.seventh = last.seventh;
      this.beatInChord = last.beatInChord;
      this.pitch = last.pitch;
      this.age = Math.min(last.age + 1, MAX_AGE);
      this.noteStepsLeft = 1;
      this.pattern = last.pattern;
      this.dynamics = last.dynamics;
      if (this.barOffset >= this.framesPerBar) this.barOffset = 0;
    }
  }

  /** The next `count` frames as codebook-major codes `[4, count]`. */
  nextFrames(count: number): Int32Array {
    const codes = new Int32Array(CODEBOOKS * count);
    for (let f = 0; f < count; f++) {
      const frame = this.nextFrame();
      for (let cb = 0; cb < CODEBOOKS; cb++) codes[cb * count + f] = frame[cb] as number;
    }
    return codes;
  }

  /** The next frame's four codes: [harmony, melody, rhythm, colour]. */
  nextFrame(): [number, number, number, number] {
    let step = 15;
    while (step > 0 && stepStart(step, this.framesPerBar) > this.barOffset) step--;
    const stepAge = this.barOffset - stepStart(step, this.framesPerBar);
    if (stepAge === 0) this.onStepStart(step);
    this.fresh = false;
    const codes = packFrame({
      degree: this.degree,
      tonic: this.tonic,
      minor: this.minor,
      beatInChord: this.beatInChord,
      seventh: this.seventh,
      pitch: this.pitch,
      age: this.age,
      step,
      stepAge: Math.min(stepAge, 15),
      pattern: this.pattern,
      palette: this.paletteIndex,
      tempoIndex: this.tempoIndex,
      dynamics: this.dynamics,
      bassBoost: this.bassBoost,
    });
    this.age = Math.min(this.age + 1, MAX_AGE);
    if (++this.barOffset >= this.framesPerBar) {
      this.barOffset = 0;
      this.barIndex++;
    }
    return codes;
  }

  private onStepStart(step: number): void {
    if (step === 0) {
      this.pattern = this.drums > 0 && this.barIndex % 4 === 3 ? 7 : this.drums;
      this.dynamics = this.baseDynamics + (this.barIndex % 4 >= 2 ? 1 : 0);
    }
    if (step % 4 === 0 && !this.fresh && ++this.beatInChord >= this.chordBeats) this.nextChord();
    if (--this.noteStepsLeft <= 0) this.nextNote(step);
  }

  private nextChord(): void {
    const weights = CHORD_TRANSITIONS[this.minor ? 'minor' : 'major'][this.degree] as readonly number[];
    this.degree = sampleChoice(weights.map(Math.log), this.sampling, this.rng);
    this.beatInChord = 0;
    const seventhChance =
      this.palette === 'lofi' ? 1 : ['piano', 'strings', 'synth'].includes(this.palette) ? 0.3 : 0;
    const draw = this.rng.next();
    this.seventh = this.sampling.temperature > 0 ? draw < seventhChance : seventhChance >= 0.5;
  }

  private nextNote(step: number): void {
    const stepFrames = this.framesPerBar / 16;
    const durationWeights = DURATION_WEIGHTS[this.palette] ?? DURATION_WEIGHTS.default;
    const durationScores = DURATION_STEPS.map((steps, i) =>
      steps * stepFrames <= MAX_NOTE_FRAMES && (steps < 8 || step % 4 === 0)
        ? Math.log(durationWeights[i] as number)
        : -Infinity,
    );
    this.noteStepsLeft = DURATION_STEPS[sampleChoice(durationScores, this.sampling, this.rng)] as number;

    const chordTones = chordPitchClasses(this.tonic, this.minor, this.degree, this.seventh);
    const scale = scaleOf(this.minor).map((s) => (s + this.tonic) % 12);
    const centre = MELODY_CENTRE[this.palette] ?? MELODY_CENTRE.default;
    const candidates: number[] = [0];
    const scores: number[] = [(REST_SCORE[this.palette] ?? REST_SCORE.default) - (this.pitch === 0 ? 2 : 0)];
    const previous = this.pitch === 0 ? 0 : this.pitch + LEAD_MIDI_BASE;
    for (let midi = LEAD_MIDI_BASE + 1; midi <= LEAD_MIDI_BASE + 31; midi++) {
      if (!scale.includes(midi % 12)) continue;
      let score = -0.03 * Math.abs(midi - centre);
      if (previous > 0) {
        const leap = Math.abs(midi - previous);
        score -= 0.3 * leap + (leap > 7 ? 1.5 : 0) + (leap === 0 ? 0.6 : 0);
      }
      if (chordTones.includes(midi % 12)) score += 0.35 * this.guidance;
      candidates.push(midi - LEAD_MIDI_BASE);
      scores.push(score);
    }
    this.pitch = candidates[sampleChoice(scores, this.sampling, this.rng)] as number;
    this.age = 0;
  }
}

function lastFrame(codes: Int32Array, frames: number) {
  if (frames < 1) return undefined;
  const at = (cb: number) => codes[cb * frames + frames - 1] as number;
  return unpackFrame(at(0), at(1), at(2), at(3));
}

/**
 * The deterministic reference: exactly the codes the preview engine streams for a request,
 * codebook-major `[4, numFrames]`. Tests compare engine output against it.
 *
 * @example
 * ```ts
 * const codes = generateReferenceCodes({ text: 'lofi piano', promptCodes: new Int32Array(0), promptFrames: 0,
 *   seed: 7n, guidanceScale: 3, topK: 250, topP: 0, temperature: 1 }, 100);
 * codes.length; // 400
 * ```
 */
export function generateReferenceCodes(params: GenerationParams, numFrames: number): Int32Array {
  return new CodeGenerator(params).nextFrames(numFrames);
}
