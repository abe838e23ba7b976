import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { abortingSignal, installShutdownSignals, type SignalTarget } from './shutdown-signals.js';

function fakeProcess() {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  const target = {
    on: (e: string, l: () => void) => emitter.on(e, l),
    off: (e: string, l: () => void) => emitter.off(e, l),
    exit: (code: number) => {
      exits.push(code);
      return undefined as never;
    },
  } as SignalTarget;
  return { emitter, exits, target };
}

describe('installShutdownSignals', () => {
  it('aborts on the first signal and exits with 128 + n on the second', () => {
    const { emitter, exits, target } = fakeProcess();
    const controller = new AbortController();
    const seen: string[] = [];
    installShutdownSignals(controller, (s) => seen.push(s), target);
    emitter.emit('SIGTERM');
    expect([controller.signal.aborted, abortingSignal(controller.signal), seen, exits]).toEqual([
      true,
      'SIGTERM',
      ['SIGTERM'],
      [],
    ]);
    emitter.emit('SIGINT');
    expect(exits).toEqual([130]);
  });

  it('uninstalls its handlers', () => {
    const { emitter, target } = fakeProcess();
    const controller = new AbortController();
    const uninstall = installShutdownSignals(controller, () => undefined, target);
    uninstall();
    expect([emitter.listenerCount('SIGINT'), emitter.listenerCount('SIGTERM')]).toEqual([0, 0]);
  });

  it('names no signal for an abort it did not cause', () => {
    expect(abortingSignal(AbortSignal.abort())).toBe(null);
  });
});
