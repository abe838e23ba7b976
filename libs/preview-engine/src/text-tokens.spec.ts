import { describe, expect, it } from 'vitest';
import { previewTextTokens } from './text-tokens.js';

describe('previewTextTokens', () => {
  it.each<[string, number, [number, number]]>([
    ['', 64, [1, 1]],
    ['calm lofi piano', 64, [4, 4]],
    ['  spaced\tout \n words ', 64, [4, 4]],
    ['a b c d e f g', 4, [8, 4]],
  ])('%j with %d tokens read', (text, max, expected) => {
    expect(previewTextTokens(text, max)).toEqual(expected);
  });
});
