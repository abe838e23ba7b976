import { runRemote, selectHost, shellQuote, type SshHost } from '@musicgen/ssh';
import { DeployError } from '../deploy-error.js';
import { buildPodEnvFile } from './pod-env-file.js';
import { openPod, resolveTarget, type DeployIo, type PodTarget } from './open-pod.js';
import { uploadEnvFile, uploadInfra } from './upload-pod-files.js';
import { expectedModelId, verifyPod, verifyRecordPath } from '../verify/verify-pod.js';
import { readVerifyRecords } from '../verify/verify-record.js';

/** Options of {@link deployPod}. */
export interface DeployPodOptions {
  /** Only this pod of `RUNPOD_HOST`; default: every pod in the list. */
  readonly host?: string | undefined;
  readonly acceptNewHostKey?: boolean | undefined;
  /** Restart Triton even when nothing changed. */
  readonly restart?: boolean | undefined;
  /** Run the first-deploy proof on each pod once Triton is up (`--verify`). */
  readonly verify?: boolean | undefined;
  /** The record file of `--verify` (`--verify-record`); default `MUSICGEN_VERIFY_RECORD`, else `musicgen-verified.json`. */
  readonly verifyRecord?: string | undefined;
}

/** The command that opens the tunnel to a pod's Triton gRPC port, as printed after a deploy. */
export function tunnelCommand(target: PodTarget, host: SshHost): string {
  const port = target.pod.grpcPort;
  const key = target.ssh.privateKeyPath ? ` -i ${shellQuote(target.ssh.privateKeyPath)}` : '';
  return `ssh -N -L ${port}:127.0.0.1:${port} -p ${host.port}${key} ${target.ssh.user}@${host.host}`;
}

/** The remote command line of the pod runtime: names and paths only, never a value from the settings file. */
export function podScriptCommand(target: PodTarget, verb: string): string {
  return `MUSICGEN_VOLUME=${shellQuote(target.layout.volume)} bash ${shellQuote(target.layout.podScript)} ${verb}`;
}

/**
 * `deploy:pod`: for each pod, uploads what changed in `infra/`, writes the settings file (mode 600),
 * runs the pod runtime's `up` (which restarts Triton only when the deployment changed, or with
 * `--restart`) streaming its output, with `--verify` runs the first-deploy proof through a tunnel
 * from here (`verifyPod`), and prints the tunnel command. Every setting is validated before the first
 * connection.
 *
 * @example
 * ```ts
 * await deployPod(io, { acceptNewHostKey: false });
 * ```
 *
 * @throws {DeployError} `POD_FAILED` when `up` fails, `VERIFY_FAILED` when a proof fails; `SshError` for
 * connection and host-key failures.
 */
export async function deployPod(io: DeployIo, options: DeployPodOptions = {}): Promise<PodTarget> {
  const target = resolveTarget(io);
  const envFile = buildPodEnvFile(io.env);
  const hosts = options.host === undefined ? target.ssh.hosts : [selectHost(target.ssh, options.host)];
  const recordPath = options.verify ? verifyRecordPath(io, options.verifyRecord) : undefined;
  for (const host of hosts) {
    const connection = await openPod(io, target, host, options.acceptNewHostKey ?? false);
    try {
      await uploadInfra(io, target, connection);
      await uploadEnvFile(io, target, connection, envFile);
      const verb = options.restart ? 'up --restart' : 'up';
      io.say(`Running infra/pod/pod.sh ${verb} on ${connection.where}`);
      const result = await runRemote(connection, podScriptCommand(target, verb), {
        onStdout: io.echo,
        onStderr: io.echo,
      });
      if (result.code !== 0) {
        const status = result.code === undefined ? 'was cut off' : `exited with ${result.code}`;
        throw new DeployError(
          'POD_FAILED',
          `Cannot start Triton on the pod ${connection.where} as \`pod.sh ${verb}\` ${status} (its message is above)`,
        );
      }
      if (recordPath !== undefined) await verifyPod(io, target, connection, recordPath);
      io.say(`Triton is ready on ${connection.where}. Open the tunnel to its gRPC port with:`);
      io.out(tunnelCommand(target, host) + '\n');
    } finally {
      connection.close();
    }
  }
  io.say('or let the batch open it: npx nx run batch:run --prompts=prompts.txt --via-ssh');
  if (recordPath === undefined) {
    const path = verifyRecordPath(io, options.verifyRecord);
    const modelId = expectedModelId(io.env);
    const records = await readVerifyRecords(path).catch(() => undefined);
    if (records !== undefined && records.models[modelId] === undefined) {
      io.say(
        `Note: ${modelId} has no passing proof in ${path}: run deploy:pod --verify (the first-deploy proof) before trusting its takes`,
      );
    }
  }
  return target;
}
