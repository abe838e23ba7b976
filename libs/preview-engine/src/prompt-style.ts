import { PALETTES, clamp, type Palette } from './music-theory.js';
import type { Prng } from './prng.js';

/** What a prompt asks of the synthesiser. Anything the prompt leaves open is drawn from the seed. */
export interface PromptStyle {
  /** 60..184 in steps of 4. */
  tempoBpm: number;
  /** Pitch class of the tonic, 0 (C) .. 11 (B). */
  tonic: number;
  minor: boolean;
  palette: Palette;
  /** Drum pattern 0..6 (see DRUM_PATTERNS); 0 = no drums. */
  drums: number;
  /** Loudness 0..3. */
  dynamics: number;
  bassBoost: boolean;
}

const TEMPO_WORDS: readonly [RegExp, number][] = [
  [/\b(very slow|largo|adagio)\b/, 64],
  [/\b(very fast|frantic|drum and bass|drum ?n ?bass|dnb)\b/, 172],
  [/\b(slow|ballad|lullaby|sleep|meditation|meditative)\b/, 72],
  [/\b(calm|chill|relaxed|relaxing|lo-?fi|ambient|peaceful|gentle|dreamy)\b/, 84],
  [/\b(fast|rock|action|intense|punk|racing)\b/, 140],
  [/\b(upbeat|happy|energetic|dance|house|edm|pop|bouncy|cheerful|disco|techno)\b/, 124],
  [/\b(moderate|medium|groovy|funky|funk)\b/, 104],
];

const PALETTE_WORDS: Record<Palette, RegExp> = {
  piano: /\b(piano|keys|grand)\b/,
  synth: /\b(synth|synths|synthesizer|synthwave|retrowave|analog|80s)\b/,
  strings: /\b(strings?|violins?|cellos?|orchestra|orchestral|cinematic|epic)\b/,
  lofi: /\b(lo-?fi|jazz|jazzy|rhodes|chillhop|hip ?hop)\b/,
  ambient: /\b(ambient|pads?|drone|atmospheric|meditation|space)\b/,
  electronic: /\b(electronic|edm|house|techno|dance|trance|club|disco)\b/,
  chiptune: /\b(chiptune|8-?bit|retro game|arcade|video game|game)\b/,
  bells: /\b(bells?|music box|celesta|glockenspiel|lullaby|marimba)\b/,
};

const DEFAULT_DRUMS: Record<Palette, number> = {
  piano: 1,
  synth: 2,
  strings: 5,
  lofi: 4,
  ambient: 0,
  electronic: 3,
  chiptune: 6,
  bells: 1,
};

const NOTE_NAMES: Record<string, number> = { c: 0, d: 2, e: 4, f: 5, g: 7, a: 9, b: 11 };

/**
 * Reads tempo, key, mode, instrument colour, drums and loudness from a prompt's words.
 *
 * - tempo: an explicit `N bpm` (clamped to 60..184), else words such as slow, chill, upbeat, fast;
 * - key: `in D minor`, `F# major`, `Bb minor`; mode words: minor, sad, dark / major, happy, bright;
 * - colour: piano, synth, strings, lofi, ambient, electronic, chiptune, bells (first mentioned wins);
 * - drums: `no drums` / drums, beat, rock, dance, hip hop; `bass` boosts the bass;
 * - loudness: soft, quiet / loud, powerful.
 *
 * @example
 * ```ts
 * parsePromptStyle('sad piano in D minor, 70 bpm', new Prng(1)).tempoBpm; // 72
 * ```
 */
export function parsePromptStyle(text: string, rng: Prng): PromptStyle {
  const t = ` ${text.toLowerCase()} `;
  const palette = findPalette(t) ?? rng.pick(['piano', 'synth', 'lofi', 'strings'] as const);
  const tempoBpm = quantiseTempo(findTempo(t) ?? 88 + 4 * rng.int(9));
  const key = findKey(t);
  const moodMinor =
    /\b(minor|sad|dark|melanchol(y|ic)|moody|tense|mysterious|spooky|eerie|somber|sombre|haunting|gloomy)\b/.test(
      t,
    );
  const moodMajor = /\b(major|happy|bright|uplifting|cheerful|joyful|sunny|hopeful|triumphant)\b/.test(t);
  const minor = key?.minor ?? (moodMinor ? true : moodMajor ? false : rng.next() < 0.5);
  const tonic = key?.tonic ?? rng.int(12);
  return {
    tempoBpm,
    tonic,
    minor,
    palette,
    drums: findDrums(t, palette),
    dynamics: /\b(soft|quiet|gentle|calm|lullaby|delicate)\b/.test(t)
      ? 1
      : /\b(loud|powerful|energetic|intense|epic|massive)\b/.test(t)
        ? 3
        : 2,
    bassBoost: /\b(bass|bassline|heavy|sub|deep)\b/.test(t),
  };
}

function findPalette(t: string): Palette | undefined {
  let best: Palette | undefined;
  let bestAt = Infinity;
  for (const palette of PALETTES) {
    const at = t.search(PALETTE_WORDS[palette]);
    if (at >= 0 && at < bestAt) {
      best = palette;
      bestAt = at;
    }
  }
  return best;
}

function findTempo(t: string): number | undefined {
  const bpm = /(\d{2,3}(?:\.\d+)?)\s*(bpm|beats per minute)/.exec(t);
  if (bpm) return Number(bpm[1]);
  return TEMPO_WORDS.find(([re]) => re.test(t))?.[1];
}

function quantiseTempo(bpm: number): number {
  return 60 + 4 * Math.round((clamp(bpm, 60, 184) - 60) / 4);
}

function findKey(t: string): { tonic: number; minor: boolean } | undefined {
  const m = /\b([a-g])\s?(#|♯|b|♭|sharp|flat)?\s?(major|minor|maj|min)\b/.exec(t);
  if (!m) return undefined;
  const accidental = m[2] === '#' || m[2] === '♯' || m[2] === 'sharp' ? 1 : m[2] ? -1 : 0;
  return {
    tonic: ((NOTE_NAMES[m[1] as string] as number) + accidental + 12) % 12,
    minor: m[3] === 'minor' || m[3] === 'min',
  };
}

function findDrums(t: string, palette: Palette): number {
  if (/\b(no drums|without drums|drumless|solo|a cappella)\b/.test(t)) return 0;
  if (/\b(drum and bass|drum ?n ?bass|dnb|breakbeat|breaks)\b/.test(t)) return 6;
  if (/\b(house|techno|edm|disco|four on the floor|dance)\b/.test(t)) return 3;
  if (/\b(hip ?hop|trap|half-?time)\b/.test(t)) return 5;
  if (/\b(rock|pop|backbeat)\b/.test(t)) return 2;
  const base = DEFAULT_DRUMS[palette];
  if (base === 0 && /\b(drums?|beats?|percussion|groove|rhythmic)\b/.test(t)) return 2;
  return base;
}
