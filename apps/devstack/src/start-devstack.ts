import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { startPreviewEngine } from '@musicgen/preview-engine';
import { S3RVER_CREDENTIALS, startS3rver } from '@musicgen/store/s3rver';
import type { DevstackOptions } from './devstack-options.js';

/** A running local stack: the environment lines that point tools at it, and how to stop it. */
export interface Devstack {
  /** `NAME=value` lines, in the order printed. */
  env: string[];
  close(): Promise<void>;
}

/**
 * Starts the local stack: s3rver on `host:s3Port` keeping its data in `dataDir` (which gets its
 * own `.gitignore`, so it never lands in a commit), with `bucket` created, and the preview engine on
 * `host:tritonPort`.
 *
 * @example
 * ```ts
 * const stack = await startDevstack({ s3Port: 4569, tritonPort: 8001, dataDir: '.devstack/s3', bucket: 'musicgen-dev', host: '127.0.0.1' });
 * console.log(stack.env.join('\n'));
 * await stack.close();
 * ```
 */
export async function startDevstack(options: DevstackOptions): Promise<Devstack> {
  const directory = resolve(options.dataDir);
  await mkdir(directory, { recursive: true });
  await writeFile(resolve(directory, '.gitignore'), '# local stack data, never committed\n*\n');
  const s3 = await startS3rver({
    buckets: [options.bucket],
    directory,
    port: options.s3Port,
    address: options.host,
  });
  let engine;
  try {
    engine = await startPreviewEngine({ port: options.tritonPort, host: options.host });
  } catch (error) {
    await s3.close();
    throw error;
  }
  const preview = engine;
  return {
    env: [
      `MUSICGEN_S3_BUCKET=${options.bucket}`,
      `AWS_ENDPOINT_URL_S3=${s3.endpoint}`,
      'MUSICGEN_S3_FORCE_PATH_STYLE=true',
      'AWS_REGION=us-east-1',
      `AWS_ACCESS_KEY_ID=${S3RVER_CREDENTIALS.accessKeyId}`,
      `AWS_SECRET_ACCESS_KEY=${S3RVER_CREDENTIALS.secretAccessKey}`,
      `TRITON_URL=${preview.url}`,
    ],
    async close() {
      await Promise.all([preview.close(), s3.close()]);
    },
  };
}
