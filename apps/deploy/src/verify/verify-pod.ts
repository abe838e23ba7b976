import { resolve } from 'node:path';
import { DEFAULT_MODEL_ID } from '@musicgen/contract';
import { openLocalForward, type SshConnection } from '@musicgen/ssh';
import { DeployError } from '../deploy-error.js';
import type { DeployIo, PodTarget } from '../pod/open-pod.js';
import { formatVerification } from './format-verification.js';
import { readVerifyRecords, writeVerifyRecord } from './verify-record.js';
import { verifyServer } from './verify-server.js';

/** The record file `deploy:pod --verify` keeps when `--verify-record` and `MUSICGEN_VERIFY_RECORD` say nothing. */
export const DEFAULT_VERIFY_RECORD = 'musicgen-verified.json';

const MODEL_ALIASES: Readonly<Record<string, string>> = {
  small: 'facebook/musicgen-small',
  medium: 'facebook/musicgen-medium',
  large: 'facebook/musicgen-large',
};

/**
 * The model id the deployment is for, as the pod runtime reads it: `MUSICGEN_MODEL_ID` (aliases `small`,
 * `medium`, `large` expanded), else `facebook/musicgen-medium`.
 *
 * @example
 * ```ts
 * expectedModelId({ MUSICGEN_MODEL_ID: 'medium' }); // 'facebook/musicgen-medium'
 * ```
 */
export function expectedModelId(env: Readonly<Record<string, string | undefined>>): string {
  const raw = env['MUSICGEN_MODEL_ID']?.trim() ?? '';
  if (raw === '') return DEFAULT_MODEL_ID;
  return MODEL_ALIASES[raw] ?? raw;
}

/** Where the record file is: `--verify-record` (or `MUSICGEN_VERIFY_RECORD`), else {@link DEFAULT_VERIFY_RECORD}, from `baseDir`. */
export function verifyRecordPath(io: DeployIo, flag: string | undefined): string {
  return resolve(io.baseDir, flag ?? DEFAULT_VERIFY_RECORD);
}

/**
 * `deploy:pod --verify` on one pod whose Triton is up: forwards a local port through `connection` to the
 * pod's gRPC port, runs the proof ({@link verifyServer}) from here, prints it, and records the checkpoint
 * and the figures in the record file when it passes.
 *
 * @example
 * ```ts
 * await verifyPod(io, target, connection, '/repo/musicgen-verified.json');
 * ```
 *
 * @throws {DeployError} `VERIFY_FAILED` when the proof fails (the lines above say why).
 */
export async function verifyPod(
  io: DeployIo,
  target: PodTarget,
  connection: SshConnection,
  recordPath: string,
): Promise<void> {
  const records = await readVerifyRecords(recordPath);
  const modelId = expectedModelId(io.env);
  const forward = await openLocalForward(connection, { remotePort: target.pod.grpcPort });
  const where = `${connection.where} (Triton 127.0.0.1:${target.pod.grpcPort} there)`;
  try {
    io.say(`Verifying ${where}: ${modelId}, the fixed takes, through a tunnel from here`);
    const verification = await verifyServer({
      address: forward.address,
      where,
      expectedModelId: modelId,
      previous: records.models[modelId],
      recordPath,
    });
    for (const line of formatVerification(verification, where, recordPath)) io.say(line);
    if (verification.record === undefined) {
      throw new DeployError(
        'VERIFY_FAILED',
        `Cannot trust the deployment on ${connection.where} as its proof failed (the reasons are above)`,
      );
    }
    await writeVerifyRecord(recordPath, verification.record);
  } finally {
    await forward.close();
  }
}
