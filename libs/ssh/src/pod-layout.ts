import { posix } from 'node:path';

/** Where things live on a pod, all under the volume (`MUSICGEN_VOLUME`, default `/workspace`). */
export interface PodLayout {
  readonly volume: string;
  /** `$volume/musicgen`: the pod runtime's own directory. */
  readonly podDir: string;
  /** `$podDir/infra`: the repository's `infra/`, uploaded by `deploy:pod`. */
  readonly infraDir: string;
  /** `$podDir/pod.env`: the settings file (mode 600). */
  readonly envFile: string;
  /** `$infraDir/pod/pod.sh`: the pod runtime (`up`, `status`, `stop`, `logs`). */
  readonly podScript: string;
  /** `$infraDir/pod/batch.sh`: installs and starts batch runs. */
  readonly batchScript: string;
  /** `$podDir/triton/tritonserver.log`. */
  readonly tritonLog: string;
  /** `$podDir/batch/packages`: the `npm pack` tarballs. */
  readonly packagesDir: string;
  /** `$podDir/runs`: one directory per run name. */
  readonly runsDir: string;
  /** A run's directory, prompts, flags, log and exit status files. */
  run(name: string): {
    readonly dir: string;
    readonly prompts: string;
    readonly args: string;
    readonly log: string;
    readonly exitCode: string;
  };
}

/** The default volume: RunPod mounts the pod's persistent volume here. */
export const DEFAULT_POD_VOLUME = '/workspace';

/**
 * The pod's paths for a volume root.
 *
 * @example
 * ```ts
 * podLayout('/workspace').run('songs').log; // '/workspace/musicgen/runs/songs/run.log'
 * ```
 */
export function podLayout(volume: string = DEFAULT_POD_VOLUME): PodLayout {
  const podDir = posix.join(volume, 'musicgen');
  const infraDir = posix.join(podDir, 'infra');
  const runsDir = posix.join(podDir, 'runs');
  return {
    volume,
    podDir,
    infraDir,
    envFile: posix.join(podDir, 'pod.env'),
    podScript: posix.join(infraDir, 'pod', 'pod.sh'),
    batchScript: posix.join(infraDir, 'pod', 'batch.sh'),
    tritonLog: posix.join(podDir, 'triton', 'tritonserver.log'),
    packagesDir: posix.join(podDir, 'batch', 'packages'),
    runsDir,
    run: (name) => {
      const dir = posix.join(runsDir, name);
      return {
        dir,
        prompts: posix.join(dir, 'prompts.txt'),
        args: posix.join(dir, 'args'),
        log: posix.join(dir, 'run.log'),
        exitCode: posix.join(dir, 'exit-code'),
      };
    },
  };
}
