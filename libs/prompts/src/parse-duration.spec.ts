import { describe, expect, it } from 'vitest';
import { parseDuration } from './parse-duration.js';

describe('parseDuration', () => {
  it.each([
    ['12', { seconds: 12, frames: 600 }],
    ['12.0', { seconds: 12, frames: 600 }],
    ['12s', { seconds: 12, frames: 600 }],
    ['0:12', { seconds: 12, frames: 600 }],
    ['00:12.000', { seconds: 12, frames: 600 }],
    ['12.5', { seconds: 12.5, frames: 625 }],
    ['1:30', { seconds: 90, frames: 4500 }],
    ['0:45.5', { seconds: 45.5, frames: 2275 }],
    ['10:00', { seconds: 600, frames: 30000 }],
    ['600', { seconds: 600, frames: 30000 }],
    ['0.02', { seconds: 0.02, frames: 1 }],
    ['0.01', { seconds: 0.01, frames: 1 }],
    ['0.03', { seconds: 0.03, frames: 2 }],
    ['0.029999', { seconds: 0.029999, frames: 1 }],
    ['12.345', { seconds: 12.345, frames: 617 }],
    ['12.35', { seconds: 12.35, frames: 618 }],
    ['599.999999', { seconds: 599.999999, frames: 30000 }],
    ['0.010000s', { seconds: 0.01, frames: 1 }],
  ])('reads %j', (text, expected) => {
    expect(parseDuration(text, 600)).toEqual(expected);
  });

  it.each([
    ['', 'is missing'],
    ['abc', 'must be seconds (12, 12.5, 12s) or m:ss (1:30, 0:45.5)'],
    ['-3', 'must be seconds (12, 12.5, 12s) or m:ss (1:30, 0:45.5)'],
    ['12 s', 'must be seconds (12, 12.5, 12s) or m:ss (1:30, 0:45.5)'],
    ['12S', 'must be seconds (12, 12.5, 12s) or m:ss (1:30, 0:45.5)'],
    ['.5', 'must be seconds (12, 12.5, 12s) or m:ss (1:30, 0:45.5)'],
    ['12.', 'must be seconds (12, 12.5, 12s) or m:ss (1:30, 0:45.5)'],
    ['1:5', 'must be seconds (12, 12.5, 12s) or m:ss (1:30, 0:45.5)'],
    ['1:30s', 'must be seconds (12, 12.5, 12s) or m:ss (1:30, 0:45.5)'],
    ['1:00:00', 'must be seconds (12, 12.5, 12s) or m:ss (1:30, 0:45.5)'],
    ['1e3', 'must be seconds (12, 12.5, 12s) or m:ss (1:30, 0:45.5)'],
    ['1:75', 'must have fewer than 60 seconds after ":"'],
    ['0:60', 'must have fewer than 60 seconds after ":"'],
    ['1.1234567', 'must have at most 6 decimal places'],
    ['0', 'must be greater than 0'],
    ['0:00.0', 'must be greater than 0'],
    ['0.0s', 'must be greater than 0'],
    ['600.000001', 'must be at most 600 s'],
    ['10:00.5', 'must be at most 600 s'],
    ['99999999999999999999999', 'must be at most 600 s'],
    ['0.009999', 'rounds to 0 frames (the shortest duration is 0.01 s)'],
    ['0.000001s', 'rounds to 0 frames (the shortest duration is 0.01 s)'],
  ])('refuses %j: %s', (text, problem) => {
    expect(parseDuration(text, 600)).toEqual({ problem });
  });

  it('uses the given maximum', () => {
    expect(parseDuration('31', 30)).toEqual({ problem: 'must be at most 30 s' });
    expect(parseDuration('0:30', 30)).toEqual({ seconds: 30, frames: 1500 });
    expect(parseDuration('30.5', 30.5)).toEqual({ seconds: 30.5, frames: 1525 });
  });
});
