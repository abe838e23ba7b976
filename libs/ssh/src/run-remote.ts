import type { SshConnection } from './connect-ssh.js';
import { SshError } from './ssh-errors.js';

/** Options of {@link runRemote}. */
export interface RunRemoteOptions {
  /** Bytes written to the command's standard input, then closed. The way to pass a secret. Default: none. */
  readonly stdin?: string | Uint8Array;
  /** Called with each chunk of standard output as it arrives (it is collected as well). */
  readonly onStdout?: (chunk: string) => void;
  /** Called with each chunk of standard error as it arrives (it is collected as well). */
  readonly onStderr?: (chunk: string) => void;
  /** Aborting closes the channel (the remote command gets SIGHUP unless detached). */
  readonly signal?: AbortSignal;
}

/** How a remote command ended. */
export interface RemoteResult {
  /** Exit status; undefined when the command was ended by a signal or the connection was cut. */
  readonly code: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs one command on the pod and waits for it to end, collecting its output (UTF-8).
 *
 * @example
 * ```ts
 * const { code, stdout } = await runRemote(connection, 'uname -a');
 * ```
 */
export async function runRemote(
  connection: SshConnection,
  command: string,
  options: RunRemoteOptions = {},
): Promise<RemoteResult> {
  const channel = await connection.exec(command);
  let stdout = '';
  let stderr = '';
  channel.setEncoding('utf8');
  channel.stderr.setEncoding('utf8');
  channel.on('data', (chunk: string) => {
    stdout += chunk;
    options.onStdout?.(chunk);
  });
  channel.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    options.onStderr?.(chunk);
  });
  const onAbort = () => channel.close();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let code: number | undefined;
  const done = new Promise<void>((resolve) => {
    channel.on('exit', (exitCode: number | null) => {
      code = exitCode ?? undefined;
    });
    channel.on('close', () => resolve());
  });
  channel.end(options.stdin ?? undefined);
  // The channel's close may not come when the connection is cut: the connection's close ends the wait.
  await Promise.race([done, connection.closed]);
  options.signal?.removeEventListener('abort', onAbort);
  return { code, stdout, stderr };
}

/**
 * {@link runRemote}, then fails unless the command exited with 0.
 *
 * @throws {SshError} `REMOTE_COMMAND_FAILED` naming `what`, the status and the last line of stderr.
 */
export async function runRemoteChecked(
  connection: SshConnection,
  command: string,
  what: string,
  options: RunRemoteOptions = {},
): Promise<RemoteResult> {
  const result = await runRemote(connection, command, options);
  if (result.code !== 0) {
    const last = result.stderr.trim().split('\n').pop() ?? '';
    const status = result.code === undefined ? 'was cut off' : `exited with ${result.code}`;
    throw new SshError(
      'REMOTE_COMMAND_FAILED',
      `Cannot ${what} on the pod ${connection.where} as the command ${status}${last ? `: ${last}` : ''}`,
    );
  }
  return result;
}
