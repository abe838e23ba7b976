import { describe, expect, it } from 'vitest';
import { resolveSshSettings } from './ssh-settings.js';

const context = (env: Record<string, string>) => ({
  env,
  baseDir: '/home/me/project',
  homeDir: '/home/me',
  platform: 'linux' as const,
  pipeExists: () => false,
});
const FP = 'SHA256:XIc90dMuLyg5pUuVgOGyJvTxMgJxqD5jpGNh9FCgbJM';

describe('resolveSshSettings', () => {
  it('resolves a full environment', () => {
    expect(
      resolveSshSettings(
        context({
          RUNPOD_HOST: '203.0.113.7, pod-b.example:2222,[2001:db8::1]:22',
          RUNPOD_SSH_PORT: '22044',
          RUNPOD_USER: 'ubuntu',
          RUNPOD_SSH_KEY: '~/.ssh/id_ed25519',
          RUNPOD_SSH_KEY_PASSPHRASE: 'secret words',
          RUNPOD_SSH_HOST_KEY: FP,
          RUNPOD_KNOWN_HOSTS: 'keys/known_hosts',
          SSH_AUTH_SOCK: '/tmp/agent.sock',
        }),
      ),
    ).toEqual({
      hosts: [
        { host: '203.0.113.7', port: 22044 },
        { host: 'pod-b.example', port: 2222 },
        { host: '2001:db8::1', port: 22 },
      ],
      user: 'ubuntu',
      privateKeyPath: '/home/me/.ssh/id_ed25519',
      passphrase: 'secret words',
      agent: { agent: '/tmp/agent.sock', source: 'SSH_AUTH_SOCK' },
      pinnedFingerprints: [FP],
      knownHostsPath: '/home/me/project/keys/known_hosts',
    });
  });

  it('uses the defaults', () => {
    expect(resolveSshSettings(context({ RUNPOD_HOST: 'pod', RUNPOD_SSH_KEY: 'id' }))).toEqual({
      hosts: [{ host: 'pod', port: 22 }],
      user: 'root',
      privateKeyPath: '/home/me/project/id',
      passphrase: undefined,
      agent: undefined,
      pinnedFingerprints: [],
      knownHostsPath: '/home/me/.ssh/known_hosts',
    });
  });

  it.each([
    [
      {},
      "Cannot reach the pod as RUNPOD_HOST is not set: set it to the pod's public IP (RunPod: Connect > SSH over exposed TCP), for example RUNPOD_HOST=203.0.113.7",
    ],
    [
      { RUNPOD_HOST: '  ' },
      "Cannot reach the pod as RUNPOD_HOST is not set: set it to the pod's public IP (RunPod: Connect > SSH over exposed TCP), for example RUNPOD_HOST=203.0.113.7",
    ],
    [
      { RUNPOD_HOST: 'a,,b' },
      'Cannot use RUNPOD_HOST as it has an empty entry in its comma-separated list: current value is "a,,b"',
    ],
    [
      { RUNPOD_HOST: 'ssh://pod' },
      'Cannot use RUNPOD_HOST as each entry must be a host name or IP, optionally with :port (IPv6 as [addr]:port): current value is "ssh://pod"',
    ],
    [
      { RUNPOD_HOST: 'pod:99999' },
      'Cannot use RUNPOD_HOST as the port must be an integer from 1 to 65535: current value is "pod:99999"',
    ],
    [
      { RUNPOD_HOST: 'pod', RUNPOD_SSH_PORT: '22a' },
      'Cannot use RUNPOD_SSH_PORT as the port must be an integer from 1 to 65535: current value is "22a"',
    ],
    [
      { RUNPOD_HOST: 'pod', RUNPOD_SSH_PORT: '0' },
      'Cannot use RUNPOD_SSH_PORT as the port must be an integer from 1 to 65535: current value is "0"',
    ],
    [
      { RUNPOD_HOST: 'pod', RUNPOD_USER: 'root user' },
      'Cannot use RUNPOD_USER as a user name has only letters, digits, ".", "_" and "-": current value is "root user"',
    ],
    [
      { RUNPOD_HOST: 'pod' },
      'Cannot log in to the pod as no SSH key or agent is configured: set RUNPOD_SSH_KEY to your private key file (for example ~/.ssh/id_ed25519) or start ssh-agent (SSH_AUTH_SOCK is unset)',
    ],
    [
      { RUNPOD_HOST: 'pod', RUNPOD_SSH_KEY: 'id', RUNPOD_SSH_HOST_KEY: 'SHA256:abc' },
      'Cannot use RUNPOD_SSH_HOST_KEY as each fingerprint must look like SHA256: and 43 base64 characters, as `ssh-keygen -lf` prints it: current value is "SHA256:abc"',
    ],
    [
      { RUNPOD_HOST: 'pod', RUNPOD_SSH_KEY: 'id', RUNPOD_SSH_HOST_KEY: `${FP},MD5:aa` },
      `Cannot use RUNPOD_SSH_HOST_KEY as each fingerprint must look like SHA256: and 43 base64 characters, as \`ssh-keygen -lf\` prints it: current value is "${FP},MD5:aa"`,
    ],
    [
      { RUNPOD_HOST: 'pod', RUNPOD_SSH_AGENT: 'pageant' },
      'Cannot use RUNPOD_SSH_AGENT as Pageant exists only on Windows: current value is "pageant" (use a socket path, or leave it empty)',
    ],
  ])('refuses %j in one line', (env, message) => {
    expect(() => resolveSshSettings(context(env as Record<string, string>))).toThrow(message);
    try {
      resolveSshSettings(context(env as Record<string, string>));
    } catch (error) {
      expect((error as { code: string }).code).toBe('SSH_CONFIG');
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('never puts the passphrase in a message', () => {
    const env = { RUNPOD_HOST: 'pod', RUNPOD_SSH_PORT: 'x', RUNPOD_SSH_KEY_PASSPHRASE: 'hunter2' };
    expect(() => resolveSshSettings(context(env))).toThrow(/^(?!.*hunter2)/);
  });
});
