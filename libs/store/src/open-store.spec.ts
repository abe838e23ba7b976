import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, parseStoreLocation } from './open-store.js';
import { startS3rver, type RunningS3rver } from './s3rver/start-s3rver.js';

describe('parseStoreLocation', () => {
  it.each([
    ['s3://renders', { kind: 's3', bucket: 'renders', prefix: '' }],
    ['s3://renders/', { kind: 's3', bucket: 'renders', prefix: '' }],
    ['s3://renders/2026/nov', { kind: 's3', bucket: 'renders', prefix: '2026/nov/' }],
    ['s3://renders/2026/nov//', { kind: 's3', bucket: 'renders', prefix: '2026/nov/' }],
    ['S3://my.bucket-1/x', { kind: 's3', bucket: 'my.bucket-1', prefix: 'x/' }],
    ['./output', { kind: 'directory', path: './output' }],
    ['/srv/music', { kind: 'directory', path: '/srv/music' }],
    ['C:\\music', { kind: 'directory', path: 'C:\\music' }],
  ])('parses %j', (location, expected) => {
    expect(parseStoreLocation(location)).toEqual(expected);
  });

  it.each([
    ['', 'the location is empty; give a directory or s3://bucket/prefix'],
    ['https://example.com/x', 'unsupported scheme "https:"; use a directory or s3://bucket/prefix'],
    ['s3://', 'the S3 location has no bucket; use s3://bucket/prefix'],
    ['s3:///prefix', 'the S3 location has no bucket; use s3://bucket/prefix'],
    ['s3://ab', 'bucket name "ab" must be 3 to 63 characters long'],
    [`s3://${'a'.repeat(64)}`, `bucket name "${'a'.repeat(64)}" must be 3 to 63 characters long`],
    [
      's3://My_Bucket',
      'bucket name "My_Bucket" may hold only lowercase letters, digits, "." and "-", and must start and end with a letter or digit',
    ],
    [
      's3://bucket-',
      'bucket name "bucket-" may hold only lowercase letters, digits, "." and "-", and must start and end with a letter or digit',
    ],
    ['s3://a..b', 'bucket name "a..b" must not contain ".."'],
    ['s3://192.168.1.1', 'bucket name "192.168.1.1" must not be an IP address'],
    ['s3://bucket/a/../b', 'the S3 prefix has an empty, "." or ".." segment'],
    ['s3://bucket/a//b', 'the S3 prefix has an empty, "." or ".." segment'],
    ['s3://bucket/x?versionId=1', 'S3 locations take no query or fragment'],
  ])('rejects %j', (location, reason) => {
    expect(() => parseStoreLocation(location)).toThrow(
      new RangeError(`Cannot open store: ${reason}: got ${JSON.stringify(location)}`),
    );
  });
});

describe('openStore', () => {
  let s3: RunningS3rver;
  let directory: string;
  beforeAll(async () => {
    s3 = await startS3rver({ buckets: ['open-bucket'] });
    directory = await mkdtemp(join(tmpdir(), 'musicgen-open-'));
  });
  afterAll(async () => {
    await s3.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('opens an S3 location with an injected client', async () => {
    const store = await openStore('s3://open-bucket/renders', { s3Client: s3.client });
    expect(store.location).toBe('s3://open-bucket/renders/');
    await store.put('a.wav', Buffer.from('x'));
    expect(await s3.client.config.region()).toBe('us-east-1');
    expect(await store.list()).toEqual([{ key: 'a.wav', bytes: 1 }]);
  });

  it('builds the S3 client, credentials included, from the given environment when none is injected', async () => {
    const env = {
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_REGION: 'us-east-1',
      MUSICGEN_S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    };
    const store = await openStore('s3://open-bucket/from-env', { env });
    expect(await store.check()).toEqual({ ok: true, problems: [] });
    const refused = await openStore('s3://open-bucket/from-env', {
      env: { ...env, AWS_ACCESS_KEY_ID: 'NOT-KNOWN' },
    });
    expect((await refused.check()).problems).toEqual([
      'Cannot list s3://open-bucket/from-env/: the server does not know this access key ID (InvalidAccessKeyId); fix AWS_ACCESS_KEY_ID',
    ]);
  });

  it('opens a directory as a local store', async () => {
    const store = await openStore(directory);
    expect(store.location).toBe(directory);
    expect(await store.check()).toEqual({ ok: true, problems: [] });
  });
});
