import type { SshHost, SshSettings } from './ssh-settings.js';
import { SshError } from './ssh-errors.js';

/**
 * The pod a command talks to: the one named by `--host` (`host` or `host:port`, as listed in
 * `RUNPOD_HOST`), else the first of the list.
 *
 * @example
 * ```ts
 * selectHost(settings, '203.0.113.8'); // { host: '203.0.113.8', port: 22 }
 * ```
 *
 * @throws {SshError} `SSH_CONFIG` when `name` is not in the list.
 */
export function selectHost(settings: SshSettings, name: string | undefined): SshHost {
  const first = settings.hosts[0] as SshHost;
  if (name === undefined || name.trim() === '') return first;
  const wanted = name.trim();
  const found = settings.hosts.find((h) => h.host === wanted || `${h.host}:${h.port}` === wanted);
  if (!found) {
    const listed = settings.hosts.map((h) => `${h.host}:${h.port}`).join(', ');
    throw new SshError(
      'SSH_CONFIG',
      `Cannot use --host as it is not one of RUNPOD_HOST (${listed}): current value is "${wanted}"`,
    );
  }
  return found;
}
