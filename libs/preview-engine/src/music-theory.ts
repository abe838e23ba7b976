/** Instrument palettes, in codebook-3 order. */
export const PALETTES = [
  'piano',
  'synth',
  'strings',
  'lofi',
  'ambient',
  'electronic',
  'chiptune',
  'bells',
] as const;
export type Palette = (typeof PALETTES)[number];

const MAJOR = [0, 2, 4, 5, 7, 9, 11];
const MINOR = [0, 2, 3, 5, 7, 8, 10];

/** Semitone offsets of the seven scale degrees above the tonic. */
export function scaleOf(minor: boolean): readonly number[] {
  return minor ? MINOR : MAJOR;
}

/**
 * Pitch classes of the diatonic chord on `degree` (0..6) in the key: root, third, fifth and, when
 * `seventh`, the diatonic seventh. Degree 7 (no chord) gives an empty list.
 */
export function chordPitchClasses(tonic: number, minor: boolean, degree: number, seventh: boolean): number[] {
  if (degree > 6) return [];
  const scale = scaleOf(minor);
  const tones = seventh ? [0, 2, 4, 6] : [0, 2, 4];
  return tones.map((t) => (tonic + (scale[(degree + t) % 7] as number)) % 12);
}

/** Chord-to-chord transition weights (from degree -> weights of the next degree 0..6), per mode. */
export const CHORD_TRANSITIONS: Record<'major' | 'minor', readonly (readonly number[])[]> = {
  major: [
    [0.2, 1.5, 1, 3, 3, 3, 0],
    [0.5, 0, 0, 1, 4, 0, 0.5],
    [0.5, 0, 0, 2, 0, 3, 0],
    [3, 1.5, 0, 0, 3, 1, 0],
    [4, 0, 0, 1, 0, 2.5, 0],
    [0.5, 2, 1, 3, 2, 0, 0],
    [4, 0, 1, 0, 0, 0, 0],
  ],
  minor: [
    [0.2, 0, 1.5, 3, 2, 3, 3],
    [0, 0, 0, 0, 3, 0, 1],
    [0.5, 0, 0, 2, 0, 3, 2],
    [3, 0, 0, 0, 2, 1, 2],
    [4, 0, 0, 0, 0, 2, 0],
    [1, 0, 2, 2, 0, 0, 3],
    [3, 0, 3, 0, 0, 1, 0],
  ],
};

/**
 * Sixteen-step drum patterns (k = kick, s = snare/clap, h = closed hat, o = open hat), by pattern
 * index: 0 none, 1 soft, 2 backbeat, 3 four-on-the-floor, 4 lofi, 5 half-time, 6 busy, 7 fill.
 * The bass plays on the kick steps (and always on step 0).
 */
export const DRUM_PATTERNS: readonly { kick: string; snare: string; hat: string }[] = [
  { kick: '................', snare: '................', hat: '................' },
  { kick: 'x.......x.......', snare: '................', hat: '..h...h...h...h.' },
  { kick: 'x.....x.x.......', snare: '....x.......x...', hat: 'h.h.h.h.h.h.h.h.' },
  { kick: 'x...x...x...x...', snare: '....x.......x...', hat: '..o...o...o...o.' },
  { kick: 'x......x..x.....', snare: '....x.......x...', hat: 'h.h.h.h.h.h.h.hh' },
  { kick: 'x.........x.....', snare: '........x.......', hat: 'h.h.h.h.h.h.h.h.' },
  { kick: 'x..x..x...x..x..', snare: '....x.......x..x', hat: 'hhhhhhhhhhhhhhhh' },
  { kick: 'x.....x.x.......', snare: '....x.......xxxx', hat: 'h.h.h.h.h.h.....' },
];

/** Clamps a number into [lo, hi]. */
export function clamp(value: number, lo: number, hi: number): number {
  return value < lo ? lo : value > hi ? hi : value;
}
