import { TritonError } from '@musicgen/triton-client';
import { describe, expect, it } from 'vitest';
import { describeError, isRetryableError } from './retryable-error.js';

const triton = (code: number, details = 'x') => new TritonError({ code, details, rpc: 'ModelStreamInfer' });

describe('isRetryableError', () => {
  it.each([
    [triton(14), true],
    [triton(4), true],
    [triton(8), true],
    [triton(2), true],
    [triton(13), true],
    [triton(3), false],
    [triton(5), false],
    [new RangeError('frames out of range'), false],
    [new Error('disk full'), false],
  ])('%s -> %s', (error, expected) => {
    expect(isRetryableError(error)).toBe(expected);
  });
});

describe('describeError', () => {
  it.each([
    [triton(14, 'No connection\nestablished'), 'UNAVAILABLE: No connection established'],
    [new Error('disk full'), 'disk full'],
    ['plain', 'plain'],
  ])('%s -> %s', (error, expected) => {
    expect(describeError(error)).toBe(expected);
  });
});
