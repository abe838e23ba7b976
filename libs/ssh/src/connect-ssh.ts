import ssh2, { type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { readPrivateKey } from './read-private-key.js';
import type { SshHost, SshSettings } from './ssh-settings.js';
import { SshError } from './ssh-errors.js';
import { verifyHostKey, type HostKeyAcceptance } from './verify-host-key.js';

/** Options of {@link connectSsh}. Times are in milliseconds. */
export interface ConnectSshOptions {
  /** The pod to connect to (one of `settings.hosts`). */
  readonly host: SshHost;
  readonly settings: SshSettings;
  /** Accept and record a host that `known_hosts` does not list. Default: false. */
  readonly acceptNewHostKey?: boolean;
  /** How long the TCP connection and handshake may take. Default: 20 000. */
  readonly readyTimeoutMs?: number;
  /** Keep-alive interval; 3 missed answers end the connection. Default: 10 000. */
  readonly keepaliveIntervalMs?: number;
}

/** Default of {@link ConnectSshOptions.readyTimeoutMs}. */
export const DEFAULT_READY_TIMEOUT_MS = 20_000;
/** Default of {@link ConnectSshOptions.keepaliveIntervalMs}. */
export const DEFAULT_KEEPALIVE_INTERVAL_MS = 10_000;

/** An open SSH connection to a pod. */
export interface SshConnection {
  /** `host:port` of the pod, for messages. */
  readonly where: string;
  /** How the host key was accepted. */
  readonly hostKey: HostKeyAcceptance;
  /** Starts a remote command (no pseudo-terminal). Put secrets in files or on stdin, never in `command`. */
  exec(command: string): Promise<ClientChannel>;
  /** The SFTP session of this connection (opened once, on first use). */
  sftp(): Promise<SFTPWrapper>;
  /** Opens a TCP stream from the pod to `host:port` as seen from the pod (a `direct-tcpip` channel). */
  forwardOut(host: string, port: number): Promise<ClientChannel>;
  /** Resolves when the connection is closed, by either side or by a cut. */
  readonly closed: Promise<void>;
  /** Closes the connection. */
  close(): void;
}

function describeConnectError(
  error: Error & { code?: string; level?: string },
  where: string,
  user: string,
): string {
  if (error.level === 'client-authentication') {
    return `Cannot log in to ${where} as ${user} as the server refused every key offered: add your public key to the pod (RunPod: Settings > SSH Public Keys) or check RUNPOD_SSH_KEY and RUNPOD_USER`;
  }
  if (error.code === 'ECONNREFUSED') {
    return `Cannot connect to the pod ${where} as the connection was refused: check that the pod is running and RUNPOD_HOST / RUNPOD_SSH_PORT match its SSH over exposed TCP address`;
  }
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') {
    return `Cannot connect to the pod ${where} as the host name does not resolve: check RUNPOD_HOST`;
  }
  if (error.level === 'client-timeout' || /timed out/i.test(error.message)) {
    return `Cannot connect to the pod ${where} as it did not answer in time: check that the pod is running and RUNPOD_HOST / RUNPOD_SSH_PORT are right`;
  }
  return `Cannot connect to the pod ${where}: ${error.message}`;
}

/**
 * Connects to a pod with `ssh2`: checks the host key (pinned fingerprint or `known_hosts`), then logs
 * in with the key file and/or the agent chosen for this platform.
 *
 * @example
 * ```ts
 * const settings = resolveSshSettings({ env: process.env, baseDir: process.cwd() });
 * const connection = await connectSsh({ host: settings.hosts[0]!, settings });
 * const sftp = await connection.sftp();
 * connection.close();
 * ```
 *
 * @throws {SshError} `SSH_CONFIG`, `HOST_KEY_MISMATCH`, `HOST_KEY_UNKNOWN`, `AUTH_FAILED` or
 * `CONNECT_FAILED`, each with a one-line message.
 */
export async function connectSsh(options: ConnectSshOptions): Promise<SshConnection> {
  const { host, settings } = options;
  const where = `${host.host}:${host.port}`;
  const privateKey =
    settings.privateKeyPath === undefined
      ? undefined
      : await readPrivateKey(settings.privateKeyPath, settings.passphrase);
  const client = new ssh2.Client();
  let hostKeyFailure: unknown;
  let hostKey: HostKeyAcceptance | undefined;
  const config: ConnectConfig = {
    host: host.host,
    port: host.port,
    username: settings.user,
    readyTimeout: options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
    keepaliveInterval: options.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: 3,
    hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
      verifyHostKey(host.host, host.port, key, {
        pinnedFingerprints: settings.pinnedFingerprints,
        knownHostsPath: settings.knownHostsPath,
        acceptNew: options.acceptNewHostKey ?? false,
      }).then(
        (accepted) => {
          hostKey = accepted;
          verify(true);
        },
        (error: unknown) => {
          hostKeyFailure = error;
          verify(false);
        },
      );
    },
    ...(privateKey ? { privateKey } : {}),
    ...(privateKey && settings.passphrase !== undefined ? { passphrase: settings.passphrase } : {}),
    ...(settings.agent ? { agent: settings.agent.agent } : {}),
  };
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    // ssh2 may emit several errors for one failure; every one is handled (the first settles the
    // connect, later ones surface through the pending operation and `closed`).
    client.on('error', (error: Error & { code?: string; level?: string }) => {
      if (hostKeyFailure !== undefined) reject(hostKeyFailure);
      else {
        const code = error.level === 'client-authentication' ? 'AUTH_FAILED' : 'CONNECT_FAILED';
        reject(new SshError(code, describeConnectError(error, where, settings.user), { cause: error }));
      }
    });
    client.once('close', () =>
      reject(
        new SshError(
          'CONNECT_FAILED',
          `Cannot connect to the pod ${where} as the connection closed during the handshake`,
        ),
      ),
    );
    client.connect(config);
  });

  let sftpSession: Promise<SFTPWrapper> | undefined;
  const cut = (what: string) =>
    new SshError('CONNECT_FAILED', `Cannot ${what} on the pod ${where} as the connection is closed`);
  // A request made just as the connection is cut may never be answered: every one ends with the connection.
  const untilClosed = <T>(what: string, work: Promise<T>): Promise<T> =>
    Promise.race([
      work,
      closed.then(() => {
        throw cut(what);
      }),
    ]);
  return {
    where,
    hostKey: hostKey as HostKeyAcceptance,
    closed,
    exec: (command) =>
      untilClosed(
        'run a command',
        new Promise((resolve, reject) => {
          try {
            client.exec(command, (error, channel) => (error ? reject(error) : resolve(channel)));
          } catch {
            reject(cut('run a command'));
          }
        }),
      ),
    sftp: () =>
      (sftpSession ??= untilClosed(
        'open SFTP',
        new Promise((resolve, reject) => {
          try {
            client.sftp((error, sftp) => (error ? reject(error) : resolve(sftp)));
          } catch {
            reject(cut('open SFTP'));
          }
        }),
      )),
    forwardOut: (toHost, toPort) =>
      untilClosed(
        'open a tunnel',
        new Promise((resolve, reject) => {
          try {
            client.forwardOut('127.0.0.1', 0, toHost, toPort, (error, channel) =>
              error
                ? reject(
                    new SshError(
                      'CONNECT_FAILED',
                      `Cannot open a tunnel to ${toHost}:${toPort} on the pod ${where}: ${error.message}`,
                      { cause: error },
                    ),
                  )
                : resolve(channel),
            );
          } catch {
            reject(cut('open a tunnel'));
          }
        }),
      ),
    close: () => client.end(),
  };
}
