import { existsSync } from 'node:fs';
import { SshError } from './ssh-errors.js';

/** The named pipe of the OpenSSH agent service that ships with Windows 10 and later. */
export const OPENSSH_AGENT_PIPE = '\\\\.\\pipe\\openssh-ssh-agent';

/** Where {@link chooseAgent} looks. */
export interface AgentEnvironment {
  readonly platform: NodeJS.Platform;
  /** `RUNPOD_SSH_AGENT`: empty or unset = choose automatically; `none`; `pageant`; a socket or pipe path. */
  readonly requested?: string | undefined;
  /** `SSH_AUTH_SOCK` of the environment. */
  readonly authSock?: string | undefined;
  /** Whether a Windows named pipe exists. Default: `fs.existsSync`. */
  readonly pipeExists?: (path: string) => boolean;
}

/** The agent to use, as `ssh2`'s `agent` option takes it, and why it was chosen. */
export interface AgentChoice {
  /** A Unix socket path, a Windows named pipe path, a Cygwin socket path, or `pageant`. */
  readonly agent: string;
  readonly source: 'RUNPOD_SSH_AGENT' | 'SSH_AUTH_SOCK' | 'openssh-pipe' | 'pageant';
}

function present(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * Chooses the SSH agent for this platform, or none:
 * - `RUNPOD_SSH_AGENT` wins: `none` disables agents, `pageant` (Windows only) uses PuTTY's Pageant,
 *   anything else is a socket or pipe path;
 * - otherwise `SSH_AUTH_SOCK` when set (ssh-agent on Linux/macOS, Git Bash or Cygwin on Windows);
 * - otherwise, on Windows, the OpenSSH agent service's pipe `\\.\pipe\openssh-ssh-agent` when it
 *   exists, else Pageant (which ssh2 reaches through its own helper; with no Pageant running it offers
 *   no keys and authentication goes on with the key file);
 * - otherwise none.
 *
 * @example
 * ```ts
 * chooseAgent({ platform: 'win32', pipeExists: () => true }); // { agent: '\\\\.\\pipe\\openssh-ssh-agent', source: 'openssh-pipe' }
 * chooseAgent({ platform: 'linux', authSock: '/tmp/ssh-x/agent.1' }); // { agent: '/tmp/ssh-x/agent.1', source: 'SSH_AUTH_SOCK' }
 * ```
 *
 * @throws {SshError} `SSH_CONFIG` for `RUNPOD_SSH_AGENT=pageant` outside Windows.
 */
export function chooseAgent(environment: AgentEnvironment): AgentChoice | undefined {
  const { platform, pipeExists = existsSync } = environment;
  const requested = present(environment.requested);
  if (requested !== undefined) {
    if (requested.toLowerCase() === 'none') return undefined;
    if (requested.toLowerCase() === 'pageant') {
      if (platform !== 'win32') {
        throw new SshError(
          'SSH_CONFIG',
          `Cannot use RUNPOD_SSH_AGENT as Pageant exists only on Windows: current value is "${requested}" (use a socket path, or leave it empty)`,
        );
      }
      return { agent: 'pageant', source: 'RUNPOD_SSH_AGENT' };
    }
    return { agent: requested, source: 'RUNPOD_SSH_AGENT' };
  }
  const authSock = present(environment.authSock);
  if (authSock !== undefined) return { agent: authSock, source: 'SSH_AUTH_SOCK' };
  if (platform === 'win32') {
    return pipeExists(OPENSSH_AGENT_PIPE)
      ? { agent: OPENSSH_AGENT_PIPE, source: 'openssh-pipe' }
      : { agent: 'pageant', source: 'pageant' };
  }
  return undefined;
}
