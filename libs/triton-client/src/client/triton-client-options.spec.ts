import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTritonClientOptions, TRITON_CLIENT_DEFAULTS } from './triton-client-options.js';

describe('resolveTritonClientOptions', () => {
  it('fills in every documented default', () => {
    expect(resolveTritonClientOptions({ address: 'h:1', deadlineMs: undefined })).toEqual({
      address: 'h:1',
      deadlineMs: 10_000,
      inferDeadlineMs: 120_000,
      streamRequestDeadlineMs: 600_000,
      streamMode: 'shared',
      keepaliveTimeMs: 30_000,
      keepaliveTimeoutMs: 10_000,
      maxReceiveMessageBytes: 536_870_912,
      maxSendMessageBytes: -1,
      maxAttempts: 4,
      backoff: {},
    });
    expect(Object.isFrozen(TRITON_CLIENT_DEFAULTS)).toBe(true);
  });

  it.each([
    [
      {},
      new TypeError(
        "Cannot create a Triton client: 'address' (host:port) or 'grpcClient' is required: got undefined",
      ),
    ],
    [
      { address: 'h:1', deadlineMs: 0 },
      new RangeError("Cannot create a Triton client: 'deadlineMs' must be a positive integer: got 0"),
    ],
    [
      { address: 'h:1', streamRequestDeadlineMs: -5 },
      new RangeError(
        "Cannot create a Triton client: 'streamRequestDeadlineMs' must be an integer >= 0: got -5",
      ),
    ],
    [
      { address: 'h:1', maxReceiveMessageBytes: 0 },
      new RangeError(
        "Cannot create a Triton client: 'maxReceiveMessageBytes' must be a positive integer or -1: got 0",
      ),
    ],
    [
      { address: 'h:1', maxAttempts: 1.5 },
      new RangeError("Cannot create a Triton client: 'maxAttempts' must be a positive integer: got 1.5"),
    ],
    [
      { address: 'h:1', streamMode: 'many' as 'shared' },
      new RangeError(
        "Cannot create a Triton client: 'streamMode' must be 'shared' or 'per-request': got \"many\"",
      ),
    ],
    [
      { address: 'h:1', backoff: { jitter: -1 } },
      new RangeError("Cannot use backoff options: 'jitter' must be a number from 0 to 1: got -1"),
    ],
  ])('rejects %j', (options, error) => {
    expect(() => resolveTritonClientOptions(options)).toThrow(error);
  });
});

const podServer = resolve(import.meta.dirname, '../../../../infra/pod/musicgen_pod/server.py');

describe('the keepalive defaults and the pod runtime', () => {
  it.skipIf(!existsSync(podServer))('ping no more often than the pod tritonserver accepts', () => {
    const match = /^GRPC_MIN_PING_INTERVAL_MS = ([0-9_]+)$/m.exec(readFileSync(podServer, 'utf8'));
    const serverMinimum = Number(match?.[1]?.replaceAll('_', ''));
    expect([serverMinimum, TRITON_CLIENT_DEFAULTS.keepaliveTimeMs]).toEqual([10_000, 30_000]);
    expect(TRITON_CLIENT_DEFAULTS.keepaliveTimeMs).toBeGreaterThanOrEqual(2 * serverMinimum);
  });
});
