import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TextEncoderCheck } from '@musicgen/contract';
import { DeployError } from '../deploy-error.js';

/** A take's QA figures and advisory verdict, as `assessTrack` of `@musicgen/wav` gives them. */
export interface TakeFigures {
  readonly verdict: 'ok' | 'suspect';
  readonly reasons: readonly string[];
  readonly loudnessLufs: number | null;
  readonly silenceRatio: number;
  readonly clippingRatio: number;
  readonly flatness: number;
  readonly repetition: number;
}

/** One take of the proof and its figures. */
export interface VerifiedTake {
  readonly style: string;
  readonly prompt: string;
  readonly seed: number;
  readonly seconds: number;
  readonly qa: TakeFigures;
}

/** What a passing `deploy:pod --verify` recorded about a model: the checkpoint and the takes' figures. */
export interface VerifyRecord {
  readonly verifiedAt: string;
  /** The Triton address verified and the pod it is on. */
  readonly where: string;
  readonly modelId: string;
  readonly revision: string | null;
  /** SHA-256 of each checkpoint file, by name. */
  readonly files: Readonly<Record<string, string>>;
  readonly device: string;
  readonly dtypes: Readonly<Record<string, string>>;
  readonly textEncoderCheck: TextEncoderCheck;
  readonly takes: readonly VerifiedTake[];
}

/** The record file: the last passing verification of each model id. */
export interface VerifyRecordFile {
  readonly recordVersion: 1;
  readonly models: Readonly<Record<string, VerifyRecord>>;
}

const EMPTY: VerifyRecordFile = { recordVersion: 1, models: {} };

/**
 * Reads the record file; a file that does not exist yet is an empty record.
 *
 * @example
 * ```ts
 * const records = await readVerifyRecords('/repo/musicgen-verified.json');
 * records.models['facebook/musicgen-medium']?.revision;
 * ```
 *
 * @throws {DeployError} `CONFIG` when the file is not a record file (with what to do).
 */
export async function readVerifyRecords(path: string): Promise<VerifyRecordFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY;
    throw new DeployError(
      'CONFIG',
      `Cannot read the verify record ${path} as ${(error as Error).message}: fix its permissions or pass --verify-record`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new DeployError(
      'CONFIG',
      `Cannot read the verify record ${path} as it is not JSON (${(error as Error).message}): restore it from version control, or delete it to record anew`,
    );
  }
  const file = parsed as Partial<VerifyRecordFile> | null;
  if (file?.recordVersion !== 1 || typeof file.models !== 'object' || file.models === null) {
    throw new DeployError(
      'CONFIG',
      `Cannot read the verify record ${path} as it is not a record file of version 1: restore it from version control, or delete it to record anew`,
    );
  }
  return file as VerifyRecordFile;
}

/**
 * Stores `record` as its model's entry of the record file (other models' entries kept), written to a
 * temporary file and renamed into place, so a cut write never leaves half a record.
 *
 * @example
 * ```ts
 * await writeVerifyRecord('/repo/musicgen-verified.json', record);
 * ```
 */
export async function writeVerifyRecord(path: string, record: VerifyRecord): Promise<void> {
  const current = await readVerifyRecords(path);
  const next: VerifyRecordFile = {
    recordVersion: 1,
    models: { ...current.models, [record.modelId]: record },
  };
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.partial`;
  await writeFile(temporary, JSON.stringify(next, null, 2) + '\n');
  await rename(temporary, path);
}
