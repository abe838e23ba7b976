import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createS3Client } from '../s3-client.js';

const run = promisify(execFile);
const ENV_SH = resolve(import.meta.dirname, '../../../../infra/triton/scripts/env.sh');

/** A running moto S3 server. */
export interface RunningMoto {
  /** e.g. `http://127.0.0.1:40123` */
  readonly endpoint: string;
  /** A client for it (path style, `WHEN_REQUIRED` checksums, any credentials). */
  readonly client: S3Client;
  /** Stops the server (its data lives in memory and is gone). */
  close(): Promise<void>;
}

/**
 * Where `infra/triton/ci-setup.sh` puts moto's S3 server (`venv-s3`), and whether it is there. moto
 * honours conditional writes (`If-None-Match: *`, `If-Match`), which s3rver ignores.
 */
export async function motoServerPath(): Promise<{ path: string; present: boolean }> {
  const { stdout } = await run('bash', ['-c', 'source "$1"; printf "%s" "$s3venv"', '_', ENV_SH]);
  const path = join(stdout, 'bin', 'moto_server');
  return { path, present: existsSync(path) };
}

/**
 * Starts moto's S3 server on 127.0.0.1 on a free port, with `buckets` created.
 *
 * @example
 * ```ts
 * const moto = await startMoto({ buckets: ['leases'] });
 * const store = await openStore('s3://leases/run', { s3Client: moto.client });
 * await moto.close();
 * ```
 */
export async function startMoto(options: { buckets?: string[] } = {}): Promise<RunningMoto> {
  const { path, present } = await motoServerPath();
  if (!present) throw new Error(`Cannot start moto: no ${path}; run infra/triton/ci-setup.sh`);
  const child = spawn(path, ['-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const endpoint = await new Promise<string>((resolveUrl, reject) => {
    let output = '';
    const onData = (data: Buffer) => {
      output += data.toString();
      const match = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) resolveUrl(match[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`moto_server exited with ${code}: ${output}`)));
    setTimeout(() => reject(new Error(`moto_server did not start in 30 s: ${output}`)), 30_000).unref();
  });
  child.stdout.resume();
  child.stderr.resume();
  const client = createS3Client({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'moto', secretAccessKey: 'moto' },
  });
  for (const Bucket of options.buckets ?? []) await client.send(new CreateBucketCommand({ Bucket }));
  return {
    endpoint,
    client,
    async close() {
      client.destroy();
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
