import type { RunningSshd } from './start-sshd.js';

/**
 * The settings (`.env` names) that reach a test sshd as a pod: its address, user, key and pinned host
 * key, with no agent.
 *
 * @example
 * ```ts
 * const env = { ...sshdPodEnv(sshd), MUSICGEN_VOLUME: volume };
 * ```
 */
export function sshdPodEnv(sshd: RunningSshd): Record<string, string> {
  return {
    RUNPOD_HOST: `127.0.0.1:${sshd.port}`,
    RUNPOD_USER: sshd.user,
    RUNPOD_SSH_KEY: sshd.keyPath,
    RUNPOD_SSH_HOST_KEY: sshd.hostKeyFingerprint,
    RUNPOD_SSH_AGENT: 'none',
  };
}
