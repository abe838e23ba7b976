import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { chooseAgent, type AgentChoice } from './choose-agent.js';
import { SshError } from './ssh-errors.js';

/** One pod's SSH endpoint. */
export interface SshHost {
  readonly host: string;
  readonly port: number;
}

/** Everything needed to reach the pods, resolved and validated from the environment. */
export interface SshSettings {
  /** `RUNPOD_HOST`: one or more pods, in the order given. */
  readonly hosts: readonly SshHost[];
  /** `RUNPOD_USER`, default `root`. */
  readonly user: string;
  /** `RUNPOD_SSH_KEY`, absolute (`~` expanded); undefined: agent only. */
  readonly privateKeyPath: string | undefined;
  /** `RUNPOD_SSH_KEY_PASSPHRASE`: a secret, never printed. */
  readonly passphrase: string | undefined;
  /** The agent chosen for this platform (see `chooseAgent`), or undefined. */
  readonly agent: AgentChoice | undefined;
  /** `RUNPOD_SSH_HOST_KEY`: pinned `SHA256:` fingerprints; when set, `known_hosts` is not consulted. */
  readonly pinnedFingerprints: readonly string[];
  /** `RUNPOD_KNOWN_HOSTS`, default `~/.ssh/known_hosts`. */
  readonly knownHostsPath: string;
}

/** The environment variables {@link resolveSshSettings} reads, with their defaults. */
export const SSH_ENV = {
  host: 'RUNPOD_HOST',
  port: 'RUNPOD_SSH_PORT',
  user: 'RUNPOD_USER',
  key: 'RUNPOD_SSH_KEY',
  passphrase: 'RUNPOD_SSH_KEY_PASSPHRASE',
  agent: 'RUNPOD_SSH_AGENT',
  hostKey: 'RUNPOD_SSH_HOST_KEY',
  knownHosts: 'RUNPOD_KNOWN_HOSTS',
} as const;
/** SSH port when neither `RUNPOD_SSH_PORT` nor a `host:port` entry gives one. */
export const DEFAULT_SSH_PORT = 22;
/** Login user when `RUNPOD_USER` is unset (RunPod's images log in as root). */
export const DEFAULT_SSH_USER = 'root';

/** Where the settings come from; everything injectable for tests. */
export interface SshSettingsContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative key paths are resolved from here (where the user typed the command). */
  readonly baseDir: string;
  /** Default: `os.homedir()`. */
  readonly homeDir?: string;
  /** Default: `process.platform`. */
  readonly platform?: NodeJS.Platform;
  /** Default: `fs.existsSync` (see `chooseAgent`). */
  readonly pipeExists?: (path: string) => boolean;
}

function fail(variable: string, reason: string, value: string): never {
  throw new SshError('SSH_CONFIG', `Cannot use ${variable} as ${reason}: current value is "${value}"`);
}

function present(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function parsePort(text: string, variable: string, raw: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) fail(variable, 'the port must be an integer from 1 to 65535', raw);
  return port;
}

function parseHosts(raw: string, defaultPort: number): SshHost[] {
  const entries = raw.split(',').map((h) => h.trim());
  if (entries.some((h) => h === ''))
    fail(SSH_ENV.host, 'it has an empty entry in its comma-separated list', raw);
  return entries.map((entry) => {
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._-]+))(?::(\d+))?$/.exec(entry);
    if (!match) {
      fail(
        SSH_ENV.host,
        'each entry must be a host name or IP, optionally with :port (IPv6 as [addr]:port)',
        raw,
      );
    }
    const host = match[1] ?? match[2] ?? '';
    const port = match[3] === undefined ? defaultPort : parsePort(match[3], SSH_ENV.host, raw);
    return { host, port };
  });
}

function expandHome(path: string, homeDir: string, baseDir: string): string {
  const expanded = path === '~' ? homeDir : /^~[/\\]/.test(path) ? join(homeDir, path.slice(2)) : path;
  return isAbsolute(expanded) ? expanded : resolve(baseDir, expanded);
}

/**
 * Reads and validates the pod SSH settings from the environment (`RUNPOD_HOST`, `RUNPOD_SSH_PORT`,
 * `RUNPOD_USER`, `RUNPOD_SSH_KEY`, `RUNPOD_SSH_KEY_PASSPHRASE`, `RUNPOD_SSH_AGENT`,
 * `RUNPOD_SSH_HOST_KEY`, `RUNPOD_KNOWN_HOSTS`). Does not read files: the key is read on connect.
 *
 * @example
 * ```ts
 * const settings = resolveSshSettings({ env: { RUNPOD_HOST: '203.0.113.7:22044', RUNPOD_SSH_KEY: '~/.ssh/id_ed25519' }, baseDir: process.cwd() });
 * settings.hosts; // [{ host: '203.0.113.7', port: 22044 }]
 * ```
 *
 * @throws {SshError} `SSH_CONFIG` with one line naming the variable, what is wrong and its value
 * (never the value of the passphrase).
 */
export function resolveSshSettings(context: SshSettingsContext): SshSettings {
  const { env, baseDir, homeDir = homedir(), platform = process.platform } = context;
  const hostRaw = present(env[SSH_ENV.host]);
  if (hostRaw === undefined) {
    throw new SshError(
      'SSH_CONFIG',
      `Cannot reach the pod as ${SSH_ENV.host} is not set: set it to the pod's public IP (RunPod: Connect > SSH over exposed TCP), for example ${SSH_ENV.host}=203.0.113.7`,
    );
  }
  const portRaw = present(env[SSH_ENV.port]);
  const defaultPort = portRaw === undefined ? DEFAULT_SSH_PORT : parsePort(portRaw, SSH_ENV.port, portRaw);
  const hosts = parseHosts(hostRaw, defaultPort);

  const user = present(env[SSH_ENV.user]) ?? DEFAULT_SSH_USER;
  if (!/^[A-Za-z0-9._][A-Za-z0-9._-]*$/.test(user)) {
    fail(SSH_ENV.user, 'a user name has only letters, digits, ".", "_" and "-"', user);
  }

  const keyRaw = present(env[SSH_ENV.key]);
  const privateKeyPath = keyRaw === undefined ? undefined : expandHome(keyRaw, homeDir, baseDir);
  const passphrase = env[SSH_ENV.passphrase] === '' ? undefined : env[SSH_ENV.passphrase];

  const agent = chooseAgent({
    platform,
    requested: env[SSH_ENV.agent],
    authSock: env['SSH_AUTH_SOCK'],
    ...(context.pipeExists ? { pipeExists: context.pipeExists } : {}),
  });
  if (privateKeyPath === undefined && agent === undefined) {
    throw new SshError(
      'SSH_CONFIG',
      `Cannot log in to the pod as no SSH key or agent is configured: set ${SSH_ENV.key} to your private key file (for example ~/.ssh/id_ed25519) or start ssh-agent (SSH_AUTH_SOCK is unset)`,
    );
  }

  const pinnedRaw = present(env[SSH_ENV.hostKey]);
  const pinnedFingerprints =
    pinnedRaw === undefined
      ? []
      : pinnedRaw.split(',').map((f) => {
          const fingerprint = f.trim();
          if (!/^SHA256:[A-Za-z0-9+/]{43}$/.test(fingerprint)) {
            fail(
              SSH_ENV.hostKey,
              'each fingerprint must look like SHA256: and 43 base64 characters, as `ssh-keygen -lf` prints it',
              pinnedRaw,
            );
          }
          return fingerprint;
        });

  const knownHostsRaw = present(env[SSH_ENV.knownHosts]);
  const knownHostsPath =
    knownHostsRaw === undefined
      ? join(homeDir, '.ssh', 'known_hosts')
      : expandHome(knownHostsRaw, homeDir, baseDir);

  return { hosts, user, privateKeyPath, passphrase, agent, pinnedFingerprints, knownHostsPath };
}
