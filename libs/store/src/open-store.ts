import type { S3Client } from '@aws-sdk/client-s3';
import { createLocalStore } from './local-store.js';
import type { ObjectStore } from './object-store.js';
import { createS3Client, s3SettingsFromEnv, type S3ClientSettings } from './s3-client.js';
import { createS3Store } from './s3-store.js';

/** Options of {@link openStore}. Every field is optional. */
export interface OpenStoreOptions {
  /** The S3 client for `s3://` locations. Default: `createS3Client({ ...s3SettingsFromEnv(env), ...s3 })`. */
  s3Client?: S3Client;
  /** Settings for the default S3 client (ignored when `s3Client` is given). Default: from `env`. */
  s3?: S3ClientSettings;
  /** Environment read for the default S3 client. Default: `process.env`. */
  env?: Record<string, string | undefined>;
  /** Multipart part size for S3, see `createS3Store`. Default: 8 MiB. */
  partSizeBytes?: number;
  /** Parts in flight per S3 upload. Default: 4. */
  queueSize?: number;
}

/** A parsed location: an S3 bucket and prefix, or a local directory. */
export type StoreLocation =
  { kind: 's3'; bucket: string; prefix: string } | { kind: 'directory'; path: string };

/**
 * Parses `s3://bucket/prefix` or a directory path (as given to `--out`). The S3 prefix is normalised to
 * end with `/` (or be empty). Bucket names follow S3's rules: 3 to 63 lowercase letters, digits, dots and
 * hyphens, starting and ending with a letter or digit, no `..`, not an IP address.
 *
 * @example
 * ```ts
 * parseStoreLocation('s3://renders/2026'); // { kind: 's3', bucket: 'renders', prefix: '2026/' }
 * parseStoreLocation('./output'); // { kind: 'directory', path: './output' }
 * ```
 */
export function parseStoreLocation(location: string): StoreLocation {
  const fail = (reason: string): never => {
    throw new RangeError(`Cannot open store: ${reason}: got ${JSON.stringify(location)}`);
  };
  if (location.trim() === '') fail('the location is empty; give a directory or s3://bucket/prefix');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location)?.[1];
  if (scheme === undefined) return { kind: 'directory', path: location };
  if (scheme.toLowerCase() !== 's3')
    fail(`unsupported scheme "${scheme}:"; use a directory or s3://bucket/prefix`);
  const rest = location.slice(scheme.length + 3);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  let prefix = slash < 0 ? '' : rest.slice(slash + 1);
  if (bucket === '') fail('the S3 location has no bucket; use s3://bucket/prefix');
  if (/[?#]/.test(rest)) fail('S3 locations take no query or fragment');
  if (bucket.length < 3 || bucket.length > 63)
    fail(`bucket name "${bucket}" must be 3 to 63 characters long`);
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(bucket)) {
    fail(
      `bucket name "${bucket}" may hold only lowercase letters, digits, "." and "-", and must start and end with a letter or digit`,
    );
  }
  if (bucket.includes('..')) fail(`bucket name "${bucket}" must not contain ".."`);
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) fail(`bucket name "${bucket}" must not be an IP address`);
  prefix = prefix.replace(/\/+$/, '');
  if (prefix !== '') {
    for (const segment of prefix.split('/')) {
      if (segment === '' || segment === '.' || segment === '..')
        fail('the S3 prefix has an empty, "." or ".." segment');
    }
    prefix += '/';
  }
  return { kind: 's3', bucket, prefix };
}

/**
 * Opens the store at `location`: `s3://bucket/prefix` (S3 or an S3-compatible endpoint) or a local
 * directory. Validates the location and options before anything touches the network or the disk.
 *
 * @example
 * ```ts
 * const store = await openStore(process.argv[2] ?? './output', { s3Client: createS3Client({ region: 'eu-west-1' }) });
 * const { ok, problems } = await store.check();
 * if (!ok) console.error(problems.join('\n'));
 * ```
 */
export async function openStore(location: string, options: OpenStoreOptions = {}): Promise<ObjectStore> {
  const parsed = parseStoreLocation(location);
  if (parsed.kind === 'directory') return createLocalStore({ directory: parsed.path });
  const client = options.s3Client ?? createS3Client({ ...s3SettingsFromEnv(options.env), ...options.s3 });
  return createS3Store({
    client,
    bucket: parsed.bucket,
    prefix: parsed.prefix,
    ...(options.partSizeBytes !== undefined ? { partSizeBytes: options.partSizeBytes } : {}),
    ...(options.queueSize !== undefined ? { queueSize: options.queueSize } : {}),
  });
}
