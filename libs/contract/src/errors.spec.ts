import { describe, expect, it } from 'vitest';
import { ERROR_CLASSES, readErrorTag, tagError } from './errors.js';

describe('error tags', () => {
  it.each(ERROR_CLASSES)('round-trip %s', (errorClass) => {
    expect(readErrorTag(tagError(errorClass, 'Cannot x as y: current value is 1'))).toEqual({
      errorClass,
      message: 'Cannot x as y: current value is 1',
    });
  });

  it.each([
    'Cannot x',
    '[NOT_A_CLASS] Cannot x',
    '[INVALID_ARG]Cannot x',
    ' [INVALID_ARG] Cannot x',
    'in-flight request failed [INTERNAL] x',
  ])('reads no tag in %j', (message) => {
    expect(readErrorTag(message)).toBeUndefined();
  });
});
