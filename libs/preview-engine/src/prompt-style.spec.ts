import { describe, expect, it } from 'vitest';
import { Prng } from './prng.js';
import { parsePromptStyle } from './prompt-style.js';

describe('parsePromptStyle', () => {
  it.each([
    [
      'sad piano in D minor, 70 bpm',
      { tempoBpm: 72, tonic: 2, minor: true, palette: 'piano', drums: 1, dynamics: 2, bassBoost: false },
    ],
    [
      'Bb major lullaby with bells, no drums',
      { tempoBpm: 72, tonic: 10, minor: false, palette: 'bells', drums: 0, dynamics: 1, bassBoost: false },
    ],
    [
      'lofi hip hop, heavy bass, 90 BPM',
      { tempoBpm: 92, tonic: 0, minor: false, palette: 'lofi', drums: 5, dynamics: 2, bassBoost: true },
    ],
    [
      'F# minor techno 128 bpm loud',
      {
        tempoBpm: 128,
        tonic: 6,
        minor: true,
        palette: 'electronic',
        drums: 3,
        dynamics: 3,
        bassBoost: false,
      },
    ],
    [
      'ambient',
      { tempoBpm: 84, tonic: 0, minor: false, palette: 'ambient', drums: 0, dynamics: 2, bassBoost: false },
    ],
    ['', { tempoBpm: 88, tonic: 11, minor: false, palette: 'lofi', drums: 4, dynamics: 2, bassBoost: false }],
  ])('reads %j', (text, expected) => {
    expect(parsePromptStyle(text, new Prng(1))).toEqual(expected);
  });

  it.each([
    ['10 bpm', 60],
    ['300 bpm', 184],
    ['slow', 72],
    ['upbeat', 124],
    ['fast', 140],
    ['drum and bass', 172],
  ])('maps the tempo of %j to %i BPM', (text, bpm) => {
    expect(parsePromptStyle(text, new Prng(1)).tempoBpm).toBe(bpm);
  });

  it('lets the first mentioned instrument colour win', () => {
    expect(parsePromptStyle('strings over a synth bed', new Prng(1)).palette).toBe('strings');
    expect(parsePromptStyle('synth over strings', new Prng(1)).palette).toBe('synth');
  });

  it('adds drums to a drumless colour when asked for a beat', () => {
    expect(parsePromptStyle('ambient with drums', new Prng(1)).drums).toBe(2);
  });
});
