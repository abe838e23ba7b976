import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { modelError } from './model-error.js';

describe('modelError', () => {
  it.each([
    ['[INVALID_ARG] Cannot x', status.UNKNOWN, { code: status.INVALID_ARGUMENT, details: 'Cannot x' }],
    ['[UNAVAILABLE] Cannot x', status.UNKNOWN, { code: status.UNAVAILABLE, details: 'Cannot x' }],
    ['[INTERNAL] Cannot x', status.INVALID_ARGUMENT, { code: status.INTERNAL, details: 'Cannot x' }],
    ['Cannot x', status.UNKNOWN, { code: status.UNKNOWN, details: 'Cannot x' }],
    ['[OTHER] Cannot x', status.INTERNAL, { code: status.INTERNAL, details: '[OTHER] Cannot x' }],
    [
      'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: ',
      status.UNAVAILABLE,
      {
        code: status.UNAVAILABLE,
        details: 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1',
      },
    ],
    [
      'No connection established. Resolution note: DNS resolution failed for nohost',
      status.UNAVAILABLE,
      {
        code: status.UNAVAILABLE,
        details: 'No connection established. Resolution note: DNS resolution failed for nohost',
      },
    ],
  ])('%j with status %i', (details, code, expected) => {
    expect(modelError(code, details)).toEqual(expected);
  });
});
