import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { decimal, integer, nonBlank, numberText } from './value-parsers.js';

describe('numberText', () => {
  it.each<[string, number]>([
    ['12', 12],
    [' -2.5 ', -2.5],
    ['.5', 0.5],
    ['1e3', 1000],
    ['+4.', 4],
    ['', Number.NaN],
    ['0x10', Number.NaN],
    ['Infinity', Number.NaN],
    ['1_000', Number.NaN],
    ['2 3', Number.NaN],
  ])('%j is %d', (text, expected) => {
    expect(numberText(text)).toBe(expected);
  });
});

describe('value parsers', () => {
  it.each<[(text: string) => unknown, string, unknown]>([
    [integer({ min: 1, max: 1024 }), '1024', 1024],
    [integer({ min: 0 }), ' 7 ', 7],
    [decimal({ min: 0.5 }), '0.5', 0.5],
    [decimal({ min: 0, max: 1 }), '1e-1', 0.1],
    [nonBlank, ' a b ', 'a b'],
  ])('%o(%j) is %j', (parse, text, expected) => {
    expect(parse(text)).toBe(expected);
  });

  it.each<[(text: string) => unknown, string, string]>([
    [integer({ min: 1, max: 1024 }), '0', 'it must be an integer from 1 to 1024'],
    [integer({ min: 1, max: 1024 }), '2.5', 'it must be an integer from 1 to 1024'],
    [integer({ min: 0 }), '-1', 'it must be an integer >= 0'],
    [integer({ min: 0 }), '', 'it must be an integer >= 0'],
    [decimal({ min: 0.5 }), '0.4', 'it must be a number >= 0.5'],
    [decimal({ min: 0, max: 1 }), '1e309', 'it must be a number from 0 to 1'],
    [decimal({ min: 0, max: 1 }), 'NaN', 'it must be a number from 0 to 1'],
    [nonBlank, ' \t', 'it must not be empty'],
  ])('%o(%j) throws %j', (parse, text, reason) => {
    expect(() => parse(text)).toThrow(new InvalidArgumentError(reason));
  });
});
