import {
  connectSsh,
  openLocalForward,
  resolvePodSettings,
  resolveSshSettings,
  SshError,
  type LocalForward,
  type SshConnection,
} from '@musicgen/ssh';
import { ConfigError } from '../config/config-error.js';

/** SSH tunnels to the pods' Triton gRPC ports. */
export interface SshTunnels {
  /** Local `127.0.0.1:port` addresses, one per pod, in `RUNPOD_HOST` order. */
  readonly addresses: readonly string[];
  /** Closes the forwards and the SSH connections. */
  close(): Promise<void>;
}

const CONFIG_CODES = new Set(['SSH_CONFIG', 'HOST_KEY_MISMATCH', 'HOST_KEY_UNKNOWN', 'AUTH_FAILED']);

/**
 * `--via-ssh`: connects to every pod of `RUNPOD_HOST` with the deploy tool's SSH settings (key, agent,
 * pinned host key or known_hosts) and forwards a local port to each pod's `TRITON_GRPC_PORT` on its
 * 127.0.0.1, like `ssh -N -L`. A host key is never accepted blindly here: record it with deploy:pod.
 *
 * @example
 * ```ts
 * const tunnels = await openSshTunnels(process.env, process.cwd());
 * tunnels.addresses; // ['127.0.0.1:40123']
 * ```
 *
 * @throws {ConfigError} for settings, host-key and login problems; `SshError` when a pod cannot be reached.
 */
export async function openSshTunnels(
  env: Readonly<Record<string, string | undefined>>,
  baseDir: string,
): Promise<SshTunnels> {
  const connections: SshConnection[] = [];
  const forwards: LocalForward[] = [];
  const close = async () => {
    await Promise.all(forwards.map((f) => f.close()));
    for (const c of connections) c.close();
  };
  try {
    const settings = resolveSshSettings({ env, baseDir });
    const { grpcPort } = resolvePodSettings(env);
    for (const host of settings.hosts) {
      const connection = await connectSsh({ host, settings });
      connections.push(connection);
      forwards.push(await openLocalForward(connection, { remotePort: grpcPort }));
    }
    return { addresses: forwards.map((f) => f.address), close };
  } catch (error) {
    await close();
    if (error instanceof SshError && CONFIG_CODES.has(error.code))
      throw new ConfigError(`--via-ssh: ${error.message}`);
    throw error;
  }
}
