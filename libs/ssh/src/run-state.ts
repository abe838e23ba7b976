import type { SFTPWrapper } from 'ssh2';
import type { SshConnection } from './connect-ssh.js';
import type { PodLayout } from './pod-layout.js';
import { readRemoteFile } from './remote-files.js';
import { runRemote } from './run-remote.js';
import { shellQuote } from './shell-quote.js';

/** Where a run on the pod stands (see infra/pod/batch.sh). */
export type RunState =
  | { readonly state: 'running' }
  | { readonly state: 'finished'; readonly exitCode: number | undefined }
  | { readonly state: 'absent' };

/**
 * Reads a run's state from its files on the pod: its exit code once it ended, else whether the
 * process in its pid file is alive (a run killed without an exit code counts as finished).
 *
 * @example
 * ```ts
 * await readRunState(connection, await connection.sftp(), podLayout('/workspace'), 'songs'); // { state: 'running' }
 * ```
 */
export async function readRunState(
  connection: SshConnection,
  sftp: SFTPWrapper,
  layout: PodLayout,
  name: string,
): Promise<RunState> {
  const run = layout.run(name);
  const exitCode = async () => {
    const text = (await readRemoteFile(sftp, run.exitCode))?.toString('utf8').trim();
    return text === undefined ? undefined : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  };
  const code = await exitCode();
  if (code !== undefined) return { state: 'finished', exitCode: Number.isNaN(code) ? undefined : code };
  const pid = shellQuote(`${run.dir}/pid`);
  const probe = await runRemote(connection, `test -f ${pid} || exit 3; kill -0 "$(cat ${pid})" 2>/dev/null`);
  if (probe.code === 0) return { state: 'running' };
  if (probe.code === 3) return { state: 'absent' };
  // The process is gone: it may have written its exit code meanwhile.
  const late = await exitCode();
  return { state: 'finished', exitCode: late === undefined || Number.isNaN(late) ? undefined : late };
}
