import { Metadata, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { statusName, TritonError } from './triton-error.js';

describe('TritonError', () => {
  it('carries status, details, model, request id and metadata, and formats one message', () => {
    const metadata = new Metadata();
    const error = new TritonError({
      code: status.INVALID_ARGUMENT,
      details: 'NUM_FRAMES must be between 1 and 1500: got 0',
      rpc: 'ModelStreamInfer',
      model: 'musicgen_lm',
      requestId: '42',
      metadata,
    });
    expect({ ...error, message: error.message }).toEqual({
      name: 'TritonError',
      message:
        "ModelStreamInfer for model 'musicgen_lm' (request 42) failed with INVALID_ARGUMENT: NUM_FRAMES must be between 1 and 1500: got 0",
      code: 3,
      codeName: 'INVALID_ARGUMENT',
      details: 'NUM_FRAMES must be between 1 and 1500: got 0',
      rpc: 'ModelStreamInfer',
      model: 'musicgen_lm',
      requestId: '42',
      metadata,
    });
    expect(error).toBeInstanceOf(Error);
  });

  it('takes its stack from the call site', () => {
    const callSite = new Error('here');
    const error = new TritonError({
      code: status.UNAVAILABLE,
      details: 'down',
      rpc: 'ServerLive',
    }).withCallSite(callSite);
    expect(error.stack?.split('\n').slice(0, 2)).toEqual([
      'TritonError: ServerLive failed with UNAVAILABLE: down',
      callSite.stack?.split('\n')[1],
    ]);
  });

  it.each([
    [0, 'OK'],
    [4, 'DEADLINE_EXCEEDED'],
    [14, 'UNAVAILABLE'],
    [99, 'STATUS_99'],
  ])('names status %i as %s', (code, name) => {
    expect(statusName(code)).toBe(name);
  });
});
