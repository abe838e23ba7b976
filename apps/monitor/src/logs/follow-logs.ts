import { posix } from 'node:path';
import { followRemoteFiles, listRemote, readRunState, SshError, statRemote } from '@musicgen/ssh';
import type { MonitorIo, MonitorTarget } from '../monitor-io.js';
import { createLogFilter } from './log-filter.js';

/** Options of {@link followLogs}. */
export interface FollowLogsOptions {
  /** Only this run's log, from its start, until the run ends. */
  readonly run?: string | undefined;
  readonly since?: Date | undefined;
  /** Only lines matching this regular expression. */
  readonly grep?: RegExp | undefined;
  /** Start with the last n lines of each log (ignored with `run` or `since`, which read from the start). */
  readonly lines: number;
}

/** Label of a log file in the output: `triton` or `run NAME`. */
function label(target: MonitorTarget, file: string): string {
  return file === target.layout.tritonLog ? 'triton' : `run ${posix.basename(posix.dirname(file))}`;
}

/**
 * `monitor:logs`: follows the Triton log and every run's log on the pod (runs started later join),
 * or one run's log with `--run` until that run ends; each line once, in order per file, across dropped
 * connections. With several logs each line starts with `[triton]` or `[run NAME]`.
 *
 * @example
 * ```ts
 * await followLogs(io, target, { run: 'songs', lines: 20 });
 * ```
 */
export async function followLogs(
  io: MonitorIo,
  target: MonitorTarget,
  options: FollowLogsOptions,
): Promise<void> {
  const keep = createLogFilter({ since: options.since, grep: options.grep });
  const { layout } = target;
  const single = options.run !== undefined;
  await followRemoteFiles({
    connect: target.connect,
    files: async (sftp) => {
      if (options.run !== undefined) return [layout.run(options.run).log];
      const runs = ((await listRemote(sftp, layout.runsDir)) ?? [])
        .filter((e) => e.attrs.isDirectory())
        .map((e) => layout.run(e.filename).log)
        .sort();
      return [layout.tritonLog, ...runs];
    },
    startAt: single || options.since !== undefined ? 'beginning' : { lastLines: options.lines },
    onLine: (file, line) => {
      if (keep(file, line)) io.out(single ? `${line}\n` : `[${label(target, file)}] ${line}\n`);
    },
    ...(options.run !== undefined
      ? {
          done: async (sftp, connection) => {
            const run = options.run as string;
            const state = await readRunState(connection, sftp, layout, run);
            if (state.state === 'absent' && (await statRemote(sftp, layout.run(run).log)) === undefined) {
              const runs = ((await listRemote(sftp, layout.runsDir)) ?? []).map((e) => e.filename).sort();
              throw new SshError(
                'REMOTE_COMMAND_FAILED',
                `Cannot follow run ${run} as the pod has no such run: runs there are ${runs.join(', ') || 'none'} (start one with deploy:run)`,
              );
            }
            return state.state !== 'running';
          },
        }
      : {}),
    onReconnect: (attempt, delayMs, error) =>
      io.say(
        `Connection to ${target.host.host}:${target.host.port} lost (${error instanceof Error ? error.message : String(error)}); reconnecting in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt})`,
      ),
    ...(io.signal ? { signal: io.signal } : {}),
  });
}
