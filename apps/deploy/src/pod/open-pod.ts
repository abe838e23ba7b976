import {
  connectSsh,
  podLayout,
  resolvePodSettings,
  resolveSshSettings,
  type PodLayout,
  type PodSettings,
  type SshConnection,
  type SshHost,
  type SshSettings,
} from '@musicgen/ssh';

/** Where a deploy command runs and how it talks. */
export interface DeployIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths are resolved from (where the user typed the command). */
  readonly baseDir: string;
  /** The repository root: `infra/` and the workspace packages come from here. */
  readonly workspaceRoot: string;
  /** Progress and messages (stderr), one line each. */
  readonly say: (line: string) => void;
  /** Output of a remote command, passed on as it comes (stderr). */
  readonly echo: (text: string) => void;
  /** Results: the tunnel command, the run's log lines (stdout). */
  readonly out: (text: string) => void;
}

/** The settings every deploy command resolves before connecting. */
export interface PodTarget {
  readonly ssh: SshSettings;
  readonly pod: PodSettings;
  readonly layout: PodLayout;
}

/** Resolves SSH and pod settings from the environment (throws `SshError` `SSH_CONFIG`). */
export function resolveTarget(io: DeployIo): PodTarget {
  const ssh = resolveSshSettings({ env: io.env, baseDir: io.baseDir });
  const pod = resolvePodSettings(io.env);
  return { ssh, pod, layout: podLayout(pod.volume) };
}

/** Connects to one pod and says how its host key was trusted. */
export async function openPod(
  io: DeployIo,
  target: PodTarget,
  host: SshHost,
  acceptNewHostKey: boolean,
): Promise<SshConnection> {
  const connection = await connectSsh({ host, settings: target.ssh, acceptNewHostKey });
  const how = { pinned: 'pinned', known_hosts: 'from known_hosts', recorded: 'new, recorded in known_hosts' }[
    connection.hostKey.by
  ];
  io.say(
    `Connected to ${connection.where} as ${target.ssh.user} (host key ${connection.hostKey.fingerprint}, ${how})`,
  );
  return connection;
}
