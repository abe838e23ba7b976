import { join } from 'node:path';
import {
  readRemoteFile,
  statRemote,
  syncDirectory,
  writeRemoteFileAtomic,
  type SshConnection,
} from '@musicgen/ssh';
import type { PodEnvFile } from './pod-env-file.js';
import type { DeployIo, PodTarget } from './open-pod.js';

function kilobytes(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} kB`;
}

/** Uploads what changed in `infra/` and says what it did. Returns the number of files uploaded. */
export async function uploadInfra(
  io: DeployIo,
  target: PodTarget,
  connection: SshConnection,
): Promise<number> {
  const result = await syncDirectory({
    sftp: await connection.sftp(),
    localDir: join(io.workspaceRoot, 'infra'),
    remoteDir: target.layout.infraDir,
  });
  const removed = result.removed.length > 0 ? `, ${result.removed.length} removed` : '';
  io.say(
    result.uploaded.length === 0 && result.removed.length === 0
      ? `infra/: up to date (${result.unchanged} files) in ${target.layout.infraDir}`
      : `infra/: ${result.uploaded.length} files uploaded (${kilobytes(result.bytesUploaded)}), ${result.unchanged} unchanged${removed}, in ${target.layout.infraDir}`,
  );
  return result.uploaded.length;
}

/**
 * Writes the pod's settings file with mode 600 when its content or mode differs. The values travel
 * only inside the SFTP session: never on a command line, never in a message.
 */
export async function uploadEnvFile(
  io: DeployIo,
  target: PodTarget,
  connection: SshConnection,
  envFile: PodEnvFile,
): Promise<boolean> {
  const sftp = await connection.sftp();
  const path = target.layout.envFile;
  const current = await readRemoteFile(sftp, path);
  const mode = (await statRemote(sftp, path))?.mode;
  const names = `${envFile.names.length} settings: ${envFile.names.join(', ') || 'none'}`;
  if (current?.toString('utf8') === envFile.text && mode !== undefined && (mode & 0o777) === 0o600) {
    io.say(`${path}: unchanged (${names})`);
    return false;
  }
  await writeRemoteFileAtomic(sftp, path, envFile.text, 0o600);
  io.say(`${path}: written with mode 600 (${names})`);
  return true;
}
