import { describe, expect, it } from 'vitest';
import { parseServeArgs, serveUsage } from './serve-options.js';

const defaults = {
  port: 8001,
  host: '127.0.0.1',
  framesPerSecond: 0,
  progressIntervalFrames: 50,
  maxDecodeFrames: 3000,
  maxConcurrentRequests: 16,
  maxQueueSize: 256,
  livenessIntervalMs: 2000,
};

describe('parseServeArgs', () => {
  it.each<[string[], object]>([
    [[], defaults],
    [['--port', '9001'], { ...defaults, port: 9001 }],
    [['--port=0', '--host=0.0.0.0'], { ...defaults, port: 0, host: '0.0.0.0' }],
    [['--frames-per-second', '25', '--framesPerSecond=30'], { ...defaults, framesPerSecond: 30 }],
    [
      ['--progress-interval-frames=10', '--max-decode-frames', '500'],
      { ...defaults, progressIntervalFrames: 10, maxDecodeFrames: 500 },
    ],
  ])('reads %j', (argv, options) => {
    expect(parseServeArgs(argv)).toEqual({ help: false, options });
  });

  it('asks for help', () => {
    expect(parseServeArgs(['--port', '1', '--help'])).toEqual({ help: true });
    expect(serveUsage()).toContain('--frames-per-second');
  });

  it.each([
    [['--colour', 'red'], "Cannot start the preview engine: unknown argument: got '--colour'"],
    [['9001'], "Cannot start the preview engine: unknown argument: got '9001'"],
    [['--port'], 'Cannot start the preview engine: --port needs a value'],
    [['--port', 'abc'], "Cannot start the preview engine: --port must be a number: got 'abc'"],
  ])('rejects %j', (argv, message) => {
    expect(() => parseServeArgs(argv)).toThrow(new SyntaxError(message));
  });
});
