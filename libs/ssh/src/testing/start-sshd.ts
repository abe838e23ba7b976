import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { fingerprintOf } from '../host-key.js';
import { findFreePort } from './find-free-port.js';

const execFileAsync = promisify(execFile);

/** Where Debian and most distributions install OpenSSH's server. */
export const SSHD_PATH = '/usr/sbin/sshd';

/**
 * Variables copied from the test's environment into every session when set: how this machine trusts
 * TLS certificates (a session does not inherit the test's environment, and npm on the "pod" needs them
 * to reach the registry through an intercepting proxy).
 */
export const PASSED_ENV = [
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
];

/** Options of {@link startSshd}. */
export interface StartSshdOptions {
  /** Directories put first on PATH of every session (e.g. a fake `nvidia-smi`). Default: none. */
  pathPrefix?: readonly string[];
  /** Extra variables set in every session (sshd's `SetEnv`). Default: none. */
  env?: Readonly<Record<string, string>>;
  /** A passphrase for the client key. Default: none (unencrypted key). */
  keyPassphrase?: string;
  /**
   * Accept this existing client key (an OpenSSH private key with its `.pub` beside it) instead of a new
   * one, e.g. another server's {@link RunningSshd.keyPath}: one key then reaches several "pods".
   */
  clientKey?: string;
}

/** A running OpenSSH server on 127.0.0.1 with throwaway keys. */
export interface RunningSshd {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The user that may log in: the one running the tests. */
  readonly user: string;
  /** The client's private key (OpenSSH ed25519); its public half is the only authorized key. */
  readonly keyPath: string;
  /** The server's host key fingerprint, `SHA256:...` as OpenSSH prints it. */
  readonly hostKeyFingerprint: string;
  /** A `known_hosts` line for this server (`[127.0.0.1]:port ssh-ed25519 AAAA...`). */
  readonly knownHostsLine: string;
  /** A directory for the test's own files (removed by {@link RunningSshd.stop}). */
  readonly directory: string;
  /** Stops the server and kills every session it started (the connections are cut). */
  kill(): Promise<void>;
  /** Starts the server again on the same port with the same keys. */
  restart(): Promise<void>;
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, log: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}: ${await log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on ${port} within 10 s: ${await log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts OpenSSH's `sshd` on a free loopback port with a fresh host key and client key, for tests. The
 * server runs as the current user, accepts only that key, and serves SFTP (`internal-sftp`).
 *
 * @example
 * ```ts
 * const sshd = await startSshd();
 * // connect with ssh2 to sshd.host:sshd.port as sshd.user with sshd.keyPath
 * await sshd.stop();
 * ```
 */
export async function startSshd(options: StartSshdOptions = {}): Promise<RunningSshd> {
  const directory = await mkdtemp(join(tmpdir(), 'musicgen-sshd-'));
  const hostKey = join(directory, 'host_ed25519');
  const keyPath = join(directory, 'client_ed25519');
  await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test-host', '-f', hostKey]);
  if (options.clientKey !== undefined) {
    await copyFile(options.clientKey, keyPath);
    await chmod(keyPath, 0o600);
    await copyFile(`${options.clientKey}.pub`, `${keyPath}.pub`);
  } else {
    await execFileAsync('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      options.keyPassphrase ?? '',
      '-C',
      'test-client',
      '-f',
      keyPath,
    ]);
  }
  // sshd needs its compiled-in privilege separation directory.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await findFreePort();
  const path = [...(options.pathPrefix ?? []), dirname(process.execPath), '/usr/local/bin:/usr/bin:/bin'];
  const passed = Object.fromEntries(
    PASSED_ENV.filter((k) => process.env[k] !== undefined && !/\s/.test(process.env[k] as string)).map(
      (k) => [k, process.env[k] as string],
    ),
  );
  const setEnv = Object.entries({ PATH: path.join(':'), ...passed, ...options.env })
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const config = join(directory, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(directory, 'sshd.pid')}`,
      `AuthorizedKeysFile ${keyPath}.pub`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'UsePAM no',
      'AllowTcpForwarding yes',
      'Subsystem sftp internal-sftp',
      `SetEnv ${setEnv}`,
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const logPath = join(directory, 'sshd.log');
  const log = () => readFile(logPath, 'utf8').catch(() => '');
  let child: ChildProcess;
  const start = async () => {
    child = spawn(SSHD_PATH, ['-D', '-e', '-f', config, '-E', logPath], { stdio: 'ignore' });
    await waitForPort(port, child, log);
  };
  await start();
  const hostPublic = (await readFile(`${hostKey}.pub`, 'utf8')).trim().split(/\s+/);
  const blob = Buffer.from(hostPublic[1] ?? '', 'base64');
  const kill = async () => {
    // Every process under the listener: per-connection monitors and their unprivileged children, which
    // hold the TCP connections. Killing them all is a real cut (a plain sshd restart keeps sessions).
    const { stdout } = await execFileAsync('ps', ['-e', '-o', 'pid=,ppid=']);
    const children = new Map<number, number[]>();
    for (const line of stdout.trim().split('\n')) {
      const [pid, ppid] = line.trim().split(/\s+/).map(Number) as [number, number];
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    }
    const descendants: number[] = [];
    const visit = (pid: number) => {
      for (const child of children.get(pid) ?? []) {
        descendants.push(child);
        visit(child);
      }
    };
    visit(child.pid as number);
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    for (const pid of descendants) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  return {
    host: '127.0.0.1',
    port,
    user: userInfo().username,
    keyPath,
    hostKeyFingerprint: fingerprintOf(blob),
    knownHostsLine: `[127.0.0.1]:${port} ${hostPublic[0]} ${hostPublic[1]}`,
    directory,
    kill,
    restart: async () => {
      await kill();
      await start();
    },
    stop: async () => {
      await kill();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
