/** The signals that stop a run cleanly. */
export type ShutdownSignal = 'SIGINT' | 'SIGTERM';

/** Exit code of a run stopped by a signal: 128 + the signal number, as shells report it. */
export const SIGNAL_EXIT_CODES: Readonly<Record<ShutdownSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

/** The process surface {@link installShutdownSignals} needs (injectable for tests). */
export interface SignalTarget {
  on(event: ShutdownSignal, listener: () => void): unknown;
  off(event: ShutdownSignal, listener: () => void): unknown;
  exit(code: number): never;
}

/**
 * Turns the first SIGINT or SIGTERM into an abort of `controller` (reason: an `AbortError` naming the
 * signal), so in-flight requests are cancelled and the run winds down, keeps finished files and writes
 * its report. A second signal exits at once (130 or 143). Returns the function that uninstalls the handlers.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * const uninstall = installShutdownSignals(controller, (signal) => console.error(`${signal}: stopping`));
 * ```
 */
export function installShutdownSignals(
  controller: AbortController,
  onFirst: (signal: ShutdownSignal) => void,
  target: SignalTarget = process as unknown as SignalTarget,
): () => void {
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const handler = () => {
      if (controller.signal.aborted) return target.exit(SIGNAL_EXIT_CODES[signal]);
      const reason = new DOMException(`interrupted by ${signal}`, 'AbortError');
      (reason as DOMException & { signal?: ShutdownSignal }).signal = signal;
      onFirst(signal);
      controller.abort(reason);
    };
    target.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => handlers.forEach(([signal, handler]) => target.off(signal, handler));
}

/** The signal that aborted `signal`, when {@link installShutdownSignals} did. */
export function abortingSignal(signal: AbortSignal): ShutdownSignal | null {
  const reason = signal.reason as { signal?: ShutdownSignal } | undefined;
  return signal.aborted && reason?.signal ? reason.signal : null;
}
