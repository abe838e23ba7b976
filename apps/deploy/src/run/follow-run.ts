import { connectSsh, followRemoteFiles, readRunState, type SshHost } from '@musicgen/ssh';
import type { DeployIo, PodTarget } from '../pod/open-pod.js';

/**
 * Follows a run's log on the pod from its first line until the run has ended (reconnecting when the
 * connection drops), writing each line to `io.out`. Resolves with the run's exit code (undefined when
 * it ended without one, e.g. killed).
 *
 * @example
 * ```ts
 * const code = await followRun(io, target, host, 'songs');
 * ```
 */
export async function followRun(
  io: DeployIo,
  target: PodTarget,
  host: SshHost,
  name: string,
  signal?: AbortSignal,
): Promise<number | undefined> {
  let exitCode: number | undefined;
  await followRemoteFiles({
    connect: () => connectSsh({ host, settings: target.ssh }),
    files: async () => [target.layout.run(name).log],
    onLine: (_file, line) => io.out(line + '\n'),
    done: async (sftp, connection) => {
      const state = await readRunState(connection, sftp, target.layout, name);
      if (state.state === 'finished') exitCode = state.exitCode;
      return state.state !== 'running';
    },
    onReconnect: (attempt, delayMs, error) =>
      io.say(
        `Connection to ${host.host}:${host.port} lost (${error instanceof Error ? error.message : String(error)}); reconnecting in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt})`,
      ),
    ...(signal ? { signal } : {}),
  });
  return exitCode;
}
