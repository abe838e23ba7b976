import {
  connectSsh,
  podLayout,
  resolvePodSettings,
  resolveSshSettings,
  selectHost,
  type PodLayout,
  type PodSettings,
  type SshConnection,
  type SshHost,
  type SshSettings,
} from '@musicgen/ssh';

/** Where a monitor command runs and how it talks. */
export interface MonitorIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly baseDir: string;
  /** Results (stdout). */
  readonly out: (text: string) => void;
  /** Notices: reconnects, errors (stderr), one line each. */
  readonly say: (line: string) => void;
  /** Whether stdout is a terminal (live views redraw in place). */
  readonly isTty: boolean;
  /** Aborted on Ctrl-C. */
  readonly signal?: AbortSignal;
}

/** The pod a monitor command watches, resolved from the environment before connecting. */
export interface MonitorTarget {
  readonly ssh: SshSettings;
  readonly pod: PodSettings;
  readonly layout: PodLayout;
  readonly host: SshHost;
  /** Opens a connection to the pod (again after a drop). */
  readonly connect: () => Promise<SshConnection>;
}

/**
 * The pods a command watches: the one named by `--host`, else every pod of `RUNPOD_HOST` (in its order).
 *
 * @throws {SshError} `SSH_CONFIG` for bad settings or a `--host` not in the list.
 */
export function resolveMonitorTargets(
  io: MonitorIo,
  hostName: string | undefined,
  acceptNewHostKey: boolean,
): MonitorTarget[] {
  if (hostName !== undefined) return [resolveMonitorTarget(io, hostName, acceptNewHostKey)];
  const ssh = resolveSshSettings({ env: io.env, baseDir: io.baseDir });
  return ssh.hosts.map((host) => resolveMonitorTarget(io, `${host.host}:${host.port}`, acceptNewHostKey));
}

/** Resolves the settings (throws `SshError` `SSH_CONFIG`) and prepares connecting to one pod. */
export function resolveMonitorTarget(
  io: MonitorIo,
  hostName: string | undefined,
  acceptNewHostKey: boolean,
): MonitorTarget {
  const ssh = resolveSshSettings({ env: io.env, baseDir: io.baseDir });
  const pod = resolvePodSettings(io.env);
  const host = selectHost(ssh, hostName);
  return {
    ssh,
    pod,
    layout: podLayout(pod.volume),
    host,
    connect: () => connectSsh({ host, settings: ssh, acceptNewHostKey }),
  };
}
