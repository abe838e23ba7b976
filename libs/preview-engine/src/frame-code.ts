import { FRAME_RATE_HZ } from '@musicgen/contract';
/**
 * What the four codebooks of one frame mean to the preview synthesiser. Every value 0..2047 of every
 * codebook is meaningful (out-of-range fields wrap), so any valid code sequence decodes to sound.
 *
 * | codebook | bits 0..               | meaning                                                        |
 * |----------|------------------------|----------------------------------------------------------------|
 * | 0 harmony| 0-2 degree, 3-6 tonic, 7 minor, 8-9 beat in chord, 10 seventh | chord: scale degree (7 = no chord) in a key |
 * | 1 melody | 0-4 pitch, 5-10 age    | lead note: 0 = rest, else MIDI 54 + pitch; frames since onset (0..63) |
 * | 2 rhythm | 0-3 step, 4-7 step age, 8-10 pattern | 16th step in the bar, frames since the step began, drum pattern |
 * | 3 colour | 0-2 palette, 3-7 tempo, 8-9 dynamics, 10 bass boost | instrument palette, tempo 60 + 4 * i BPM, loudness |
 */
export interface FrameFields {
  /** Scale degree of the chord root, 0..6; 7 means no chord. */
  degree: number;
  /** Pitch class of the key's tonic, 0 (C) .. 11 (B). */
  tonic: number;
  minor: boolean;
  /** Beats since the chord began, 0..3 (used to continue a progression). */
  beatInChord: number;
  seventh: boolean;
  /** Lead note: 0 = rest, 1..31 = MIDI note 54 + pitch. */
  pitch: number;
  /** Frames since the lead note (or rest) began, saturating at 63. */
  age: number;
  /** Sixteenth-note step within the bar, 0..15. */
  step: number;
  /** Frames since the step began, 0..15. */
  stepAge: number;
  /** Drum and bass pattern, 0..7 (0 = no drums, 7 = fill). */
  pattern: number;
  /** Instrument palette index, 0..7 (see PALETTES). */
  palette: number;
  /** Tempo index: BPM = 60 + 4 * tempoIndex. */
  tempoIndex: number;
  /** Loudness, 0..3. */
  dynamics: number;
  bassBoost: boolean;
}

/** The lowest lead MIDI note is LEAD_MIDI_BASE + 1. */
export const LEAD_MIDI_BASE = 54;
/** Ages saturate here; a lead note fades out before reaching it. */
export const MAX_AGE = 63;

/** Packs the fields of one frame into four codes (each 0..2047). */
export function packFrame(f: FrameFields): [number, number, number, number] {
  return [
    (f.degree & 7) |
      ((f.tonic & 15) << 3) |
      (f.minor ? 128 : 0) |
      ((f.beatInChord & 3) << 8) |
      (f.seventh ? 1024 : 0),
    (f.pitch & 31) | ((Math.min(f.age, MAX_AGE) & 63) << 5),
    (f.step & 15) | ((f.stepAge & 15) << 4) | ((f.pattern & 7) << 8),
    (f.palette & 7) | ((f.tempoIndex & 31) << 3) | ((f.dynamics & 3) << 8) | (f.bassBoost ? 1024 : 0),
  ];
}

/** Unpacks four codes (any values 0..2047) into the fields of one frame. */
export function unpackFrame(c0: number, c1: number, c2: number, c3: number): FrameFields {
  return {
    degree: c0 & 7,
    tonic: ((c0 >> 3) & 15) % 12,
    minor: (c0 & 128) !== 0,
    beatInChord: (c0 >> 8) & 3,
    seventh: (c0 & 1024) !== 0,
    pitch: c1 & 31,
    age: (c1 >> 5) & 63,
    step: c2 & 15,
    stepAge: (c2 >> 4) & 15,
    pattern: (c2 >> 8) & 7,
    palette: c3 & 7,
    tempoIndex: (c3 >> 3) & 31,
    dynamics: (c3 >> 8) & 3,
    bassBoost: (c3 & 1024) !== 0,
  };
}

/** Frames in one 4/4 bar at tempoIndex (BPM = 60 + 4 * tempoIndex). */
export function barFrames(tempoIndex: number): number {
  return Math.round((4 * 60 * FRAME_RATE_HZ) / (60 + 4 * tempoIndex));
}

/** Frame offset within the bar where sixteenth step `step` (0..16) begins. */
export function stepStart(step: number, framesPerBar: number): number {
  return Math.floor((step * framesPerBar) / 16);
}
