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
  type SshHost,
} from '@musicgen/ssh';
import { DeployError } from '../deploy-error.js';
import { buildPodEnvFile, type PodEnvFile } from '../pod/pod-env-file.js';
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
  /** The run on each pod (one, or one shard per pod of RUNPOD_HOST). */
  readonly runs: readonly PodRun[];
  /** The run's exit code when it was followed to its end (`--attach`); with several pods the highest. */
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
 * `deploy:run`: runs the batch on the pod, detached, so the laptop may disconnect. With several pods in
 * `RUNPOD_HOST` (and no `--host`) the prompts are split over them: pod i of n runs `--shard=i/n` as run
 * `NAME-iofn`, each against its own Triton and into the one bucket; `--attach` follows them side by side. Uploads `infra/`
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
  const hosts = options.host === undefined ? target.ssh.hosts : [selectHost(target.ssh, options.host)];
  const sharded = hosts.length > 1;
  if (sharded && batchArgs.some((a) => a.split('=')[0] === '--shard')) {
    throw new DeployError(
      'CONFIG',
      `Cannot pass --shard to the batch as deploy:run gives each of the ${hosts.length} pods of RUNPOD_HOST its shard itself (--shard i/${hosts.length}): remove it, or pick one pod with --host`,
    );
  }
  const runs: PodRun[] = hosts.map((host, i) => ({
    host,
    name: sharded ? shardRunName(name, i + 1, hosts.length) : name,
    args: sharded ? [...batchArgs, `--shard=${i + 1}/${hosts.length}`] : batchArgs,
  }));

  const work = await mkdtemp(join(tmpdir(), 'musicgen-deploy-'));
  try {
    io.say('Packing the batch and its libraries (npm pack)');
    const tarballs = await packBatch(io.workspaceRoot, join(work, 'packages'));
    for (const run of runs) {
      await startOnPod(io, target, envFile, run, prompts, join(work, 'packages'), tarballs.length, options);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  if (!options.attach) {
    for (const run of runs) {
      const where = sharded ? ` --host=${run.host.host}:${run.host.port}` : '';
      io.say(
        `Follow it with: npx nx run monitor:logs --run=${run.name}${where}   (the run goes on if you disconnect)`,
      );
    }
    return { name, runs };
  }
  // Several pods: their logs side by side, each line prefixed with its pod; the worst exit code wins.
  const codes = await Promise.all(
    runs.map(async (run) => {
      const prefix = sharded ? `[${run.host.host}:${run.host.port}] ` : '';
      const out = (text: string) => io.out(prefix + text);
      const code = await followRun({ ...io, out }, target, run.host, run.name);
      io.say(
        `Run ${run.name}${sharded ? ` on ${run.host.host}:${run.host.port}` : ''} ended with exit code ${code ?? 'unknown (it was killed)'}`,
      );
      return code;
    }),
  );
  const exitCode = codes.includes(undefined) ? undefined : Math.max(...(codes as number[]));
  return { name, runs, exitCode };
}

/** One pod's part of a run: where, under which name, with which batch flags. */
export interface PodRun {
  readonly host: SshHost;
  /** The run's name on that pod (`NAME-iofn` when the prompts are split over n pods). */
  readonly name: string;
  /** The batch flags (with `--shard=i/n` when split). */
  readonly args: readonly string[];
}

/**
 * The run name of shard `index` of `count`: `NAME-2of4`, cut so that it stays a valid run name. Pods
 * sharing one network volume keep their runs apart.
 *
 * @example
 * ```ts
 * shardRunName('songs', 2, 4); // 'songs-2of4'
 * ```
 */
export function shardRunName(name: string, index: number, count: number): string {
  const suffix = `-${index}of${count}`;
  return name.slice(0, 64 - suffix.length) + suffix;
}

async function startOnPod(
  io: DeployIo,
  target: PodTarget,
  envFile: PodEnvFile,
  run: PodRun,
  prompts: Buffer,
  packagesDir: string,
  tarballCount: number,
  options: DeployRunOptions,
): Promise<void> {
  const connection = await openPod(io, target, run.host, options.acceptNewHostKey ?? false);
  try {
    await uploadInfra(io, target, connection);
    await uploadEnvFile(io, target, connection, envFile);
    const sftp = await connection.sftp();
    const packages = await syncDirectory({
      sftp,
      localDir: packagesDir,
      remoteDir: target.layout.packagesDir,
    });
    io.say(
      packages.uploaded.length === 0
        ? `packages: up to date (${tarballCount} tarballs)`
        : `packages: ${packages.uploaded.length} of ${tarballCount} tarballs uploaded (${(packages.bytesUploaded / 1000).toFixed(1)} kB)`,
    );
    io.say(await batchScript(io, target, connection, 'install', 'install the batch'));
    const paths = target.layout.run(run.name);
    await makeRemoteDirectory(sftp, paths.dir);
    await writeRemoteFileAtomic(sftp, paths.prompts, prompts, 0o644);
    await writeRemoteFileAtomic(sftp, paths.args, run.args.map((a) => a + '\0').join(''), 0o644);
    const started = await batchScript(
      io,
      target,
      connection,
      `start ${shellQuote(run.name)}`,
      `start run ${run.name}`,
    );
    io.say(
      started.startsWith('running')
        ? `Run ${run.name} is already running on the pod (${started})`
        : `Run ${run.name}: ${started}`,
    );
  } finally {
    connection.close();
  }
}
