import type { S3Client } from '@aws-sdk/client-s3';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { createS3Client, type S3ClientSettings } from '../s3-client.js';

/** The credentials s3rver accepts: its access key ID must be `S3RVER`; it does not verify v4 signatures. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** Options of {@link startS3rver}. */
export interface StartS3rverOptions {
  /** Buckets to create. Default: none. */
  buckets?: string[];
  /** Data directory; reuse one to restart a server on the same data. Default: a fresh temporary directory, removed on close. */
  directory?: string;
  /** Port. Default: 0 (a free port). */
  port?: number;
  /** Address to listen on. Default: `127.0.0.1`. */
  address?: string;
  /** Settings for the returned client, merged over endpoint, region `us-east-1` and {@link S3RVER_CREDENTIALS}. */
  client?: S3ClientSettings;
}

/** A running s3rver. */
export interface RunningS3rver {
  /** e.g. `http://127.0.0.1:40123` */
  endpoint: string;
  port: number;
  directory: string;
  /** A client configured for this server (path style, `WHEN_REQUIRED` checksums). */
  client: S3Client;
  /** Stops the server at once, cutting open connections; removes the directory only if it was created here. */
  close(): Promise<void>;
}

/**
 * Starts s3rver (a local S3 protocol server) in this process, for tests and the local stack. Needs the
 * optional peer dependency `s3rver`; imported from `@musicgen/store/s3rver` (tests may use `./testing`).
 *
 * @example
 * ```ts
 * const s3 = await startS3rver({ buckets: ['test-bucket'] });
 * const store = await openStore('s3://test-bucket/run-1', { s3Client: s3.client });
 * await s3.close();
 * ```
 */
export async function startS3rver(options: StartS3rverOptions = {}): Promise<RunningS3rver> {
  const { buckets = [], port = 0, address = '127.0.0.1' } = options;
  const owned = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'musicgen-s3rver-')));
  await mkdir(directory, { recursive: true });
  const server = new S3rver({
    port,
    address,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  // Listen here rather than with server.run(): s3rver leaves the listen 'error' event unhandled, so a port
  // in use would crash the process instead of rejecting.
  await server.configureBuckets();
  const httpServer = createServer(server.callback());
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, address, () => {
      httpServer.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    server.logger.close();
    throw error;
  });
  const bound = httpServer.address() as AddressInfo;
  const endpoint = `http://${address}:${bound.port}`;
  const client = createS3Client({
    endpoint,
    region: 'us-east-1',
    credentials: { ...S3RVER_CREDENTIALS },
    ...options.client,
  });
  let closed = false;
  return {
    endpoint,
    port: bound.port,
    directory,
    client,
    async close() {
      if (closed) return;
      closed = true;
      client.destroy();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        httpServer.close((error) => (error ? reject(error) : resolve())),
      );
      server.logger.close();
      if (owned) await rm(directory, { recursive: true, force: true });
    },
  };
}
