import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { checkKnownHosts, fingerprintOf, formatKnownHostsLine, parseKnownHosts } from './host-key.js';
import { SSH_ENV } from './ssh-settings.js';
import { SshError } from './ssh-errors.js';

/** How a server's host key is checked. */
export interface HostKeyPolicy {
  /** Pinned `SHA256:` fingerprints; when not empty, only these are accepted and `known_hosts` is not read. */
  readonly pinnedFingerprints: readonly string[];
  /** The `known_hosts` file to check, and to record a new host in. */
  readonly knownHostsPath: string;
  /** Accept a host that `known_hosts` does not list, and record it there. Default: false. */
  readonly acceptNew?: boolean;
}

/** What {@link verifyHostKey} decided for an accepted key. */
export interface HostKeyAcceptance {
  readonly fingerprint: string;
  /** How it was accepted. */
  readonly by: 'pinned' | 'known_hosts' | 'recorded';
}

/**
 * Decides whether to trust the host key a server offers: a pinned fingerprint, else `known_hosts`
 * (plain and hashed names, `[host]:port`); an unknown host only with `acceptNew`, which then records
 * it. A refusal is one line that shows the expected and the offered fingerprints.
 *
 * @example
 * ```ts
 * await verifyHostKey('203.0.113.7', 22044, keyBlob, { pinnedFingerprints: [], knownHostsPath: '/home/me/.ssh/known_hosts' });
 * ```
 *
 * @throws {SshError} `HOST_KEY_MISMATCH` or `HOST_KEY_UNKNOWN`.
 */
export async function verifyHostKey(
  host: string,
  port: number,
  keyBlob: Uint8Array,
  policy: HostKeyPolicy,
): Promise<HostKeyAcceptance> {
  const fingerprint = fingerprintOf(keyBlob);
  const where = `${host}:${port}`;
  if (policy.pinnedFingerprints.length > 0) {
    if (policy.pinnedFingerprints.includes(fingerprint)) return { fingerprint, by: 'pinned' };
    throw new SshError(
      'HOST_KEY_MISMATCH',
      `Cannot trust the pod ${where} as its host key does not match ${SSH_ENV.hostKey}: expected ${policy.pinnedFingerprints.join(' or ')}, the server offers ${fingerprint}`,
    );
  }
  let text = '';
  try {
    text = await readFile(policy.knownHostsPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const verdict = checkKnownHosts(parseKnownHosts(text), host, port, keyBlob);
  switch (verdict.status) {
    case 'known':
      return { fingerprint, by: 'known_hosts' };
    case 'revoked':
      throw new SshError(
        'HOST_KEY_MISMATCH',
        `Cannot trust the pod ${where} as its host key ${fingerprint} is marked @revoked in ${policy.knownHostsPath}`,
      );
    case 'changed':
      throw new SshError(
        'HOST_KEY_MISMATCH',
        `Cannot trust the pod ${where} as its host key changed: ${policy.knownHostsPath} has ${verdict.expected.join(' or ')}, the server offers ${fingerprint} (if the pod was re-created, remove its line with \`ssh-keygen -R "${formatKnownHostsLine(host, port, keyBlob).split(' ')[0]}"\`)`,
      );
    case 'unknown':
      if (!policy.acceptNew) {
        throw new SshError(
          'HOST_KEY_UNKNOWN',
          `Cannot trust the pod ${where} as its host key is not in ${policy.knownHostsPath}: the server offers ${fingerprint}; compare it with the pod's (RunPod web terminal: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then run again with --accept-new-host-key or set ${SSH_ENV.hostKey}=${fingerprint}`,
        );
      }
      await mkdir(dirname(policy.knownHostsPath), { recursive: true, mode: 0o700 });
      await appendFile(
        policy.knownHostsPath,
        (text === '' || text.endsWith('\n') ? '' : '\n') + formatKnownHostsLine(host, port, keyBlob) + '\n',
        { mode: 0o600 },
      );
      return { fingerprint, by: 'recorded' };
  }
}
