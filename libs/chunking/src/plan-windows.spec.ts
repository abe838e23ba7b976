import { describe, expect, it } from 'vitest';
import { planWindows, type PlannedWindow } from './plan-windows.js';

const SEED = 42;
// windowSeed(42, i) for i = 0..9, computed independently (see window-seed.spec.ts).
const SEEDS = [
  42, 939911724, 3948730756, 321366731, 3317318717, 527392959, 2701967985, 564296667, 2115472622, 1595161593,
];

/** [contextFrames, windowFrames, startFrame] per window. */
type Row = [number, number, number];
const windows = (rows: Row[]): PlannedWindow[] =>
  rows.map(([contextFrames, windowFrames, startFrame], index) => ({
    index,
    contextFrames,
    newFrames: windowFrames - contextFrames,
    windowFrames,
    startFrame,
    seed: SEEDS[index] as number,
  }));

const full = (count: number, firstStart: number): Row[] =>
  Array.from({ length: count }, (_, i): Row => [600, 1500, firstStart + i * 900]);

describe('planWindows', () => {
  // musicgen.md §2.5: audiocraft's loop with extend_stride = 18 s.
  it.each([
    ['30 s', 1500, [[0, 1500, 0]] as Row[], 1503],
    [
      '45 s',
      2250,
      [
        [0, 1500, 0],
        [600, 1350, 1500],
      ] as Row[],
      2256,
    ],
    [
      '60 s',
      3000,
      [
        [0, 1500, 0],
        [600, 1500, 1500],
        [600, 1200, 2400],
      ] as Row[],
      3009,
    ],
    ['120 s', 6000, [[0, 1500, 0], ...full(5, 1500)] as Row[], 6018],
    ['180 s', 9000, [[0, 1500, 0], ...full(8, 1500), [600, 900, 8700]] as Row[], 9030],
  ])('plans %s like audiocraft', (_name, totalFrames, rows, forwardSteps) => {
    expect(planWindows(totalFrames, SEED)).toEqual({
      windows: windows(rows),
      totals: { windows: rows.length, newFrames: totalFrames, forwardSteps },
    });
  });

  it('plans a single frame as one window', () => {
    expect(planWindows(1, 7)).toEqual({
      windows: [{ index: 0, contextFrames: 0, newFrames: 1, windowFrames: 1, startFrame: 0, seed: 7 }],
      totals: { windows: 1, newFrames: 1, forwardSteps: 4 },
    });
  });

  it('adds a window of one new frame for 1501 frames', () => {
    expect(planWindows(1501, SEED)).toEqual({
      windows: windows([
        [0, 1500, 0],
        [600, 601, 1500],
      ]),
      totals: { windows: 2, newFrames: 1501, forwardSteps: 1507 },
    });
  });

  it('plans 31 s as a full window and 50 new frames', () => {
    expect(planWindows(1550, SEED)).toEqual({
      windows: windows([
        [0, 1500, 0],
        [600, 650, 1500],
      ]),
      totals: { windows: 2, newFrames: 1550, forwardSteps: 1556 },
    });
  });

  it('plans 600 s as 33 windows whose new frames tile the timeline', () => {
    const plan = planWindows(30000, SEED);
    expect(plan.totals).toEqual({ windows: 33, newFrames: 30000, forwardSteps: 30000 + 33 * 3 });
    expect(plan.windows.at(-1)).toMatchObject({
      index: 32,
      contextFrames: 600,
      newFrames: 600,
      windowFrames: 1200,
      startFrame: 29400,
    });
    let next = 0;
    for (const w of plan.windows) {
      expect(w.startFrame).toBe(next);
      expect(w.windowFrames).toBeLessThanOrEqual(1500);
      next += w.newFrames;
    }
    expect(next).toBe(30000);
  });

  it('uses the job seed for window 0 and distinct derived seeds after it', () => {
    const seeds = planWindows(9000, 0xffffffff).windows.map((w) => w.seed);
    expect(seeds[0]).toBe(0xffffffff);
    expect(new Set(seeds).size).toBe(seeds.length);
  });

  it('accepts other window sizes', () => {
    expect(
      planWindows(25, 1, { maxWindowFrames: 10, contextFrames: 4 }).windows.map((w) => [
        w.contextFrames,
        w.windowFrames,
        w.startFrame,
      ]),
    ).toEqual([
      [0, 10, 0],
      [4, 10, 10],
      [4, 10, 16],
      [4, 7, 22],
    ]);
  });

  it.each([
    [0, 1, {}, 'Cannot plan windows: totalFrames must be a positive integer: got 0'],
    [-3, 1, {}, 'Cannot plan windows: totalFrames must be a positive integer: got -3'],
    [1.5, 1, {}, 'Cannot plan windows: totalFrames must be a positive integer: got 1.5'],
    [Number.NaN, 1, {}, 'Cannot plan windows: totalFrames must be a positive integer: got NaN'],
    [10, -1, {}, 'Cannot plan windows: seed must be an integer from 0 to 4294967295: got -1'],
    [10, 2 ** 32, {}, 'Cannot plan windows: seed must be an integer from 0 to 4294967295: got 4294967296'],
    [10, 1, { maxWindowFrames: 0 }, 'Cannot plan windows: maxWindowFrames must be a positive integer: got 0'],
    [10, 1, { contextFrames: 0 }, 'Cannot plan windows: contextFrames must be a positive integer: got 0'],
    [
      10,
      1,
      { contextFrames: 1500 },
      'Cannot plan windows: contextFrames must be less than maxWindowFrames (1500): got 1500',
    ],
    [10, 1, { strideFrames: 2.5 }, 'Cannot plan windows: strideFrames must be a positive integer: got 2.5'],
    [
      10,
      1,
      { strideFrames: 600 },
      'Cannot plan windows: strideFrames must equal maxWindowFrames - contextFrames (900): got 600',
    ],
  ])('rejects totalFrames %s, seed %s, options %j', (totalFrames, seed, options, message) => {
    expect(() => planWindows(totalFrames, seed, options)).toThrow(new RangeError(message));
  });
});
