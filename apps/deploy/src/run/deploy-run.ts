import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import {
  makeRemoteDirectory,
  runRemote,
  selectHost,
  shellQuote,
  syncDirectory,
  writeRemoteFileAtomic,
  type SshConnection,
} from '@musicgen/ssh';
import { DeployError } from '../deploy-error.js';
import { buildPodEnvFile } from '../pod/pod-env-file.js';
import { openPod, resolveTarget, type DeployIo, type PodTarget } from '../pod/open-pod.js';
import { uploadEnvFile, uploadInfra } from '../pod/upload-pod-files.js';
import { followRun } from './follow-run.js';
import { packBatch } from './pack-batch.js';
import { runName } from './run-name.js';

/** Options of {@link deployRun}. */
export interface DeployRunOptions {
  /** The prompts file, relative to the directory the command was typed in. */
  readonly prompts: string;
  readonly name?: string | undefined;
  readonly attach?: boolean | undefined;
  readonly host?: string | undefined;
  readonly acceptNewHostKey?: boolean | undefined;
  /** Flags for the batch on the pod, as typed (`--format=wav24`). */
  readonly batchArgs?: readonly string[];
}

/** How {@link deployRun} ended. */
export interface DeployRunResult {
  readonly name: string;
  /** The run's exit code when it was followed to its end (`--attach`). */
  readonly exitCode?: number | undefined;
}

/** Flags the deploy tool sets on the pod's batch itself; giving them would break the run. */
const RESERVED_BATCH_FLAGS = ['--prompts', '--triton', '--json', '--via-ssh'];

async function batchScript(
  io: DeployIo,
  target: PodTarget,
  connection: SshConnection,
  verb: string,
  what: string,
): Promise<string> {
  const command = `MUSICGEN_VOLUME=${shellQuote(target.layout.volume)} bash ${shellQuote(target.layout.batchScript)} ${verb}`;
  const result = await runRemote(connection, command, { onStderr: io.echo });
  if (result.code !== 0) {
    const status = result.code === undefined ? 'was cut off' : `exited with ${result.code}`;
    throw new DeployError(
      'POD_FAILED',
      `Cannot ${what} on the pod ${connection.where} as \`batch.sh ${verb}\` ${status} (its message is above)`,
    );
  }
  return result.stdout.trim();
}

/**
 * `deploy:run`: runs the batch on the pod, detached, so the laptop may disconnect. Uploads `infra/`
 * and the settings file when they changed, the workspace packages as `npm pack` tarballs (installed on
 * the pod with the pod's Node, or one from the npm registry), the prompts file and the batch flags,
 * then starts the run under its name unless it is already running. Re-running resumes: the store is
 * the truth, so finished files are skipped.
 *
 * @example
 * ```ts
 * await deployRun(io, { prompts: 'songs.txt', attach: true });
 * ```
 *
 * @throws {DeployError} `CONFIG` (checked before connecting), `POD_FAILED`, `PACK_FAILED`; `SshError`.
 */
export async function deployRun(io: DeployIo, options: DeployRunOptions): Promise<DeployRunResult> {
  const promptsPath = isAbsolute(options.prompts) ? options.prompts : resolve(io.baseDir, options.prompts);
  let prompts: Buffer;
  try {
    prompts = await readFile(promptsPath);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : String(error);
    throw new DeployError(
      'CONFIG',
      `Cannot read --prompts as ${reason}: current value is "${options.prompts}"`,
    );
  }
  const name = runName(options.name, promptsPath);
  const batchArgs = [...(options.batchArgs ?? [])];
  const reserved = batchArgs.find((a) => RESERVED_BATCH_FLAGS.includes(a.split('=')[0] as string));
  if (reserved !== undefined) {
    throw new DeployError(
      'CONFIG',
      `Cannot pass ${reserved.split('=')[0]} to the batch on the pod as deploy:run sets it itself: remove it`,
    );
  }
  if ((io.env['MUSICGEN_S3_BUCKET'] ?? '').trim() === '' && !batchArgs.some((a) => a.startsWith('--out'))) {
    throw new DeployError(
      'CONFIG',
      'Cannot run the batch on the pod as MUSICGEN_S3_BUCKET is not set: the pod writes the WAV files to S3; set it (and the AWS_* credentials) in .env',
    );
  }
  const target = resolveTarget(io);
  const envFile = buildPodEnvFile(io.env);
  const host = selectHost(target.ssh, options.host);

  const work = await mkdtemp(join(tmpdir(), 'musicgen-deploy-'));
  try {
    io.say('Packing the batch and its libraries (npm pack)');
    const tarballs = await packBatch(io.workspaceRoot, join(work, 'packages'));
    const connection = await openPod(io, target, host, options.acceptNewHostKey ?? false);
    try {
      await uploadInfra(io, target, connection);
      await uploadEnvFile(io, target, connection, envFile);
      const sftp = await connection.sftp();
      const packages = await syncDirectory({
        sftp,
        localDir: join(work, 'packages'),
        remoteDir: target.layout.packagesDir,
      });
      io.say(
        packages.uploaded.length === 0
          ? `packages: up to date (${tarballs.length} tarballs)`
          : `packages: ${packages.uploaded.length} of ${tarballs.length} tarballs uploaded (${(packages.bytesUploaded / 1000).toFixed(1)} kB)`,
      );
      io.say(await batchScript(io, target, connection, 'install', 'install the batch'));
      const run = target.layout.run(name);
      await makeRemoteDirectory(sftp, run.dir);
      await writeRemoteFileAtomic(sftp, run.prompts, prompts, 0o644);
      await writeRemoteFileAtomic(sftp, run.args, batchArgs.map((a) => a + '\0').join(''), 0o644);
      const started = await batchScript(
        io,
        target,
        connection,
        `start ${shellQuote(name)}`,
        `start run ${name}`,
      );
      io.say(
        started.startsWith('running')
          ? `Run ${name} is already running on the pod (${started})`
          : `Run ${name}: ${started}`,
      );
    } finally {
      connection.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  if (!options.attach) {
    io.say(`Follow it with: npx nx run monitor:logs --run=${name}   (the run goes on if you disconnect)`);
    return { name };
  }
  const exitCode = await followRun(io, target, host, name);
  io.say(`Run ${name} ended with exit code ${exitCode ?? 'unknown (it was killed)'}`);
  return { name, exitCode };
}
