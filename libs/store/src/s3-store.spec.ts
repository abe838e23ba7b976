import { S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudioMetadata, encodeAudioMetadata } from './audio-metadata.js';
import { createS3Client } from './s3-client.js';
import { createS3Store } from './s3-store.js';
import { StoreError } from './store-error.js';
import { startFaultProxy, type FaultProxy } from './testing/start-fault-proxy.js';
import { S3RVER_CREDENTIALS, startS3rver, type RunningS3rver } from './s3rver/start-s3rver.js';

const BUCKET = 'test-bucket';
const MiB = 1024 * 1024;

/** A deterministic body of `bytes` bytes, streamed in 1 MiB chunks, never held whole. */
function patternStream(bytes: number, onChunk?: (sent: number) => void): Readable {
  return Readable.from(
    (function* () {
      let sent = 0;
      while (sent < bytes) {
        const size = Math.min(MiB, bytes - sent);
        const chunk = Buffer.alloc(size, sent / MiB + 1);
        sent += size;
        onChunk?.(sent);
        yield chunk;
      }
    })(),
  );
}

async function readAll(body: Readable): Promise<Buffer> {
  return Buffer.concat(await body.toArray());
}

describe('S3 store against s3rver', () => {
  let s3: RunningS3rver;

  beforeAll(async () => {
    s3 = await startS3rver({ buckets: [BUCKET] });
  });
  afterAll(async () => {
    await s3.close();
  });

  const store = () => createS3Store({ client: s3.client, bucket: BUCKET, prefix: 'runs/one/' });

  it('puts bytes and reads them back with size and metadata', async () => {
    const info = await store().put('a.wav', Buffer.from('RIFF....'), {
      metadata: { 'musicgen-model': 'small' },
    });
    expect(info).toEqual({ key: 'a.wav', bytes: 8, metadata: { 'musicgen-model': 'small' } });
    const got = await store().get('a.wav');
    expect({ ...got, body: (await readAll(got.body)).toString() }).toEqual({
      key: 'a.wav',
      bytes: 8,
      metadata: { 'musicgen-model': 'small' },
      body: 'RIFF....',
    });
    expect(await store().exists('a.wav')).toBe(true);
  });

  it('stores a streamed body byte for byte (no checksum framing with a custom endpoint)', async () => {
    const info = await store().put('streamed.bin', patternStream(3 * MiB + 5));
    expect(info).toEqual({ key: 'streamed.bin', bytes: 3 * MiB + 5, metadata: {} });
    const bytes = await readAll((await store().get('streamed.bin')).body);
    expect(bytes.equals(await readAll(patternStream(3 * MiB + 5)))).toBe(true);
  });

  it('uploads a 20 MB stream as a multipart upload and reads it back intact', async () => {
    const proxy = await startFaultProxy({ target: s3.endpoint });
    try {
      const client = createS3Client({ endpoint: proxy.endpoint, credentials: { ...S3RVER_CREDENTIALS } });
      const viaProxy = createS3Store({ client, bucket: BUCKET, prefix: 'runs/one/', partSizeBytes: 5 * MiB });
      const size = 20 * 1000 * 1000;
      expect(await viaProxy.put('big.bin', patternStream(size), { metadata: { part: 'multi' } })).toEqual({
        key: 'big.bin',
        bytes: size,
        metadata: { part: 'multi' },
      });
      const posts = proxy.requests
        .filter((r) => r.method === 'POST')
        .map((r) => r.path.replace(/uploadId=[^&]+/, 'uploadId=X'));
      const parts = proxy.requests.filter((r) => r.method === 'PUT' && r.path.includes('partNumber='));
      expect(posts).toEqual([
        `/${BUCKET}/runs/one/big.bin?uploads=`,
        `/${BUCKET}/runs/one/big.bin?uploadId=X`,
      ]);
      expect(parts).toHaveLength(4);
      client.destroy();
    } finally {
      await proxy.close();
    }
    const got = await store().get('big.bin');
    expect(got.bytes).toBe(20 * 1000 * 1000);
    expect(got.metadata).toEqual({ part: 'multi' });
    expect((await readAll(got.body)).equals(await readAll(patternStream(20 * 1000 * 1000)))).toBe(true);
  });

  it('answers missing keys: head undefined, exists false, get NOT_FOUND, delete quietly', async () => {
    expect(await store().head('missing.wav')).toBeUndefined();
    expect(await store().exists('missing.wav')).toBe(false);
    const error = await store()
      .get('missing.wav')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({
      code: 'NOT_FOUND',
      message: 'Cannot get object: no object under "missing.wav" in s3://test-bucket/runs/one/',
    });
    await expect(store().delete('missing.wav')).resolves.toBeUndefined();
  });

  it('lists by prefix relative to the store prefix, sorted, and deletes', async () => {
    const listed = createS3Store({ client: s3.client, bucket: BUCKET, prefix: 'listing/' });
    for (const key of ['b/2.wav', 'a/1.wav', 'b/1.wav', 'c.txt']) await listed.put(key, Buffer.from(key));
    expect(await listed.list('b/')).toEqual([
      { key: 'b/1.wav', bytes: 7 },
      { key: 'b/2.wav', bytes: 7 },
    ]);
    expect((await listed.list()).map((o) => o.key)).toEqual(['a/1.wav', 'b/1.wav', 'b/2.wav', 'c.txt']);
    await listed.delete('b/1.wav');
    expect(await listed.list('b')).toEqual([{ key: 'b/2.wav', bytes: 7 }]);
  });

  it('round-trips metadata exactly, including the encoded prompt', async () => {
    const metadata = {
      'musicgen-prompt': Buffer.from('piano 🎹\nrain; "quiet"', 'utf8').toString('base64url'),
      seed: '-42',
    };
    await store().put('meta.wav', Buffer.from('x'), { metadata, contentType: 'audio/wav' });
    expect(await store().head('meta.wav')).toEqual({ key: 'meta.wav', bytes: 1, metadata });
  });

  it('round-trips audio metadata with emoji and newlines through S3 headers', async () => {
    const audio = {
      prompt: 'lofi 🎹🌧️ "rain"\nsecond line; ünïcödé',
      durationSeconds: 12.5,
      model: 'facebook/musicgen-medium',
      seed: -5n,
      identityHash: 'ab'.repeat(32),
    };
    await store().put('audio.wav', Buffer.from('RIFF'), { metadata: encodeAudioMetadata(audio) });
    const info = await store().head('audio.wav');
    expect(decodeAudioMetadata(info?.metadata ?? {})).toEqual({ ...audio, promptTruncated: false });
  });

  it('cancels a streamed put on abort and leaves nothing under the key', async () => {
    const controller = new AbortController();
    const body = patternStream(40 * MiB, (sent) => {
      if (sent === 6 * MiB) controller.abort(new Error('cancelled by the user'));
    });
    const error = await store()
      .put('aborted.bin', body, { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toEqual(new Error('cancelled by the user'));
    expect(await store().head('aborted.bin')).toBeUndefined();
  });

  it('handles keys with spaces, punctuation and non-ASCII characters', async () => {
    const keys = ['odd/café 🎹 (v2) + [x]_1a2b3c4d.wav', 'odd/percent%20and&amp;.wav'];
    for (const key of keys) await store().put(key, Buffer.from(key));
    expect(await store().list('odd/')).toEqual(
      keys.map((key) => ({ key, bytes: Buffer.byteLength(key) })).sort((a, b) => (a.key < b.key ? -1 : 1)),
    );
    for (const key of keys) expect((await readAll((await store().get(key)).body)).toString()).toBe(key);
  });

  it('rejects unsafe keys before any request', async () => {
    await expect(store().put('../escape.wav', Buffer.from('x'))).rejects.toThrow(
      new RangeError('Cannot use object key: it has a ".." path segment: got "../escape.wav"'),
    );
    await expect(store().head('/abs.wav')).rejects.toThrow(
      new RangeError('Cannot use object key: it must be relative (no leading "/"): got "/abs.wav"'),
    );
  });

  it('names a bucket that does not exist', async () => {
    const missing = createS3Store({ client: s3.client, bucket: 'no-such-bucket', prefix: '' });
    const error = await missing.put('a.wav', Buffer.from('x')).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'BUCKET_NOT_FOUND',
      message:
        'Cannot put s3://no-such-bucket/a.wav: bucket "no-such-bucket" does not exist; create it, or fix the bucket name (in --out or MUSICGEN_S3_BUCKET)',
    });
    expect(await missing.check()).toEqual({
      ok: false,
      problems: [
        'Cannot list s3://no-such-bucket/: bucket "no-such-bucket" does not exist; create it, or fix the bucket name (in --out or MUSICGEN_S3_BUCKET)',
      ],
    });
  });

  it('passes its checks and leaves no probe object behind', async () => {
    expect(await store().check()).toEqual({ ok: true, problems: [] });
    expect(await store().list('_musicgen-check/')).toEqual([]);
  });
});

describe('S3 store credentials', () => {
  let s3: RunningS3rver;
  beforeAll(async () => {
    s3 = await startS3rver({ buckets: [BUCKET] });
  });
  afterAll(async () => {
    await s3.close();
  });

  // s3rver refuses unknown access key IDs; it does not verify v4 signatures, so a wrong secret with the
  // right key ID is accepted there (real S3 answers SignatureDoesNotMatch, covered by describeS3Failure).
  it('reports refused credentials in one line without the secret', async () => {
    const secret = 'wJalrXUtnFEMI-not-a-real-secret-K7MDENG';
    const client = createS3Client({
      endpoint: s3.endpoint,
      credentials: {
        accessKeyId: 'AKIAWRONGKEY',
        secretAccessKey: secret,
        sessionToken: 'session-token-secret',
      },
    });
    const store = createS3Store({ client, bucket: BUCKET });
    const result = await store.check();
    expect(result).toEqual({
      ok: false,
      problems: [
        'Cannot list s3://test-bucket/: the server does not know this access key ID (InvalidAccessKeyId); fix AWS_ACCESS_KEY_ID',
      ],
    });
    const error = (await store.put('a.wav', Buffer.from('x')).catch((e: unknown) => e)) as StoreError;
    expect(error.code).toBe('CREDENTIALS');
    for (const text of [...result.problems, error.message, String(error)]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain('session-token-secret');
    }
    client.destroy();
  });

  it('reports missing credentials and a missing region', async () => {
    const noCredentials = createS3Client({
      endpoint: s3.endpoint,
      credentials: async () => {
        throw Object.assign(new Error('Could not load credentials from any providers'), {
          name: 'CredentialsProviderError',
        });
      },
    });
    expect(await createS3Store({ client: noCredentials, bucket: BUCKET }).check()).toEqual({
      ok: false,
      problems: [
        'Cannot use s3://test-bucket/: no usable AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with an instance role',
      ],
    });
    noCredentials.destroy();

    const noRegion = new S3Client({
      region: async () => {
        throw new Error('Region is missing');
      },
      credentials: { ...S3RVER_CREDENTIALS },
    });
    expect(await createS3Store({ client: noRegion, bucket: BUCKET }).check()).toEqual({
      ok: false,
      problems: [
        "Cannot use s3://test-bucket/: no AWS region configured; set AWS_REGION to the bucket's region",
      ],
    });
    noRegion.destroy();
  });
});

describe('S3 store without a server', () => {
  it('says the endpoint cannot be reached', async () => {
    const s3 = await startS3rver({ buckets: [BUCKET] });
    const endpoint = s3.endpoint;
    await s3.close();
    const client = createS3Client({
      endpoint,
      credentials: { ...S3RVER_CREDENTIALS },
      retry: { maxAttempts: 2, baseDelayMs: 1 },
    });
    expect(await createS3Store({ client, bucket: BUCKET }).check()).toEqual({
      ok: false,
      problems: [
        'Cannot list s3://test-bucket/: the S3 endpoint cannot be reached (ECONNREFUSED); check AWS_ENDPOINT_URL_S3 and the network',
      ],
    });
    client.destroy();
  });
});

describe('S3 store retries and redirects through a fault proxy', () => {
  let s3: RunningS3rver;
  let proxy: FaultProxy | undefined;
  beforeAll(async () => {
    s3 = await startS3rver({ buckets: [BUCKET] });
  });
  afterAll(async () => {
    await s3.close();
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  const through = (endpoint: string, maxAttempts: number) =>
    createS3Client({
      endpoint,
      credentials: { ...S3RVER_CREDENTIALS },
      retry: { maxAttempts, baseDelayMs: 1, throttlingBaseDelayMs: 1 },
    });

  it('retries 503 and SlowDown, then succeeds; the proxy sees every attempt', async () => {
    proxy = await startFaultProxy({
      target: s3.endpoint,
      faults: [
        { status: 503, code: 'ServiceUnavailable' },
        { status: 503, code: 'SlowDown' },
      ],
      match: (method) => method === 'PUT',
    });
    const client = through(proxy.endpoint, 4);
    const store = createS3Store({ client, bucket: BUCKET });
    expect(await store.put('retried.wav', Buffer.from('abc'))).toEqual({
      key: 'retried.wav',
      bytes: 3,
      metadata: {},
    });
    expect(proxy.requests).toEqual([
      { method: 'PUT', path: `/${BUCKET}/retried.wav?x-id=PutObject`, outcome: 503 },
      { method: 'PUT', path: `/${BUCKET}/retried.wav?x-id=PutObject`, outcome: 503 },
      { method: 'PUT', path: `/${BUCKET}/retried.wav?x-id=PutObject`, outcome: 'forwarded' },
    ]);
    expect((await readAll((await store.get('retried.wav')).body)).toString()).toBe('abc');
    client.destroy();
  });

  it('gives up after maxAttempts and says what failed', async () => {
    proxy = await startFaultProxy({
      target: s3.endpoint,
      faults: Array.from({ length: 5 }, () => ({ status: 503, code: 'SlowDown' })),
    });
    const client = through(proxy.endpoint, 3);
    const error = await createS3Store({ client, bucket: BUCKET })
      .put('never.wav', Buffer.from('abc'))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'REQUEST_FAILED',
      message: 'Cannot put s3://test-bucket/never.wav: SlowDown (HTTP 503)',
    });
    expect(proxy.requests.map((r) => r.outcome)).toEqual([503, 503, 503]);
    client.destroy();
  });

  it('explains a region redirect with the region to set', async () => {
    proxy = await startFaultProxy({
      target: s3.endpoint,
      faults: [{ status: 301, code: 'PermanentRedirect', headers: { 'x-amz-bucket-region': 'eu-west-1' } }],
    });
    const client = through(proxy.endpoint, 1);
    expect(await createS3Store({ client, bucket: BUCKET, prefix: 'p/' }).check()).toEqual({
      ok: false,
      problems: [
        'Cannot list s3://test-bucket/p/: bucket "test-bucket" is in region eu-west-1, not us-east-1; set AWS_REGION=eu-west-1',
      ],
    });
    client.destroy();
  });

  it('names the permission a refused write needs', async () => {
    proxy = await startFaultProxy({
      target: s3.endpoint,
      faults: [{ status: 403, code: 'AccessDenied' }],
      match: (method) => method === 'PUT',
    });
    const client = through(proxy.endpoint, 1);
    expect(await createS3Store({ client, bucket: BUCKET, prefix: 'p/' }).check()).toMatchObject({
      ok: false,
      problems: [
        expect.stringMatching(
          /^Cannot put s3:\/\/test-bucket\/p\/_musicgen-check\/probe-[0-9a-f]{12}: access denied \(AccessDenied\); the credentials need s3:PutObject on arn:aws:s3:::test-bucket\/p\/\*$/,
        ),
      ],
    });
    client.destroy();
  });
});

describe('S3 store upload cut off by the server going away', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'musicgen-cutoff-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('leaves no object under the final key after a restart on the same data', async () => {
    const first = await startS3rver({
      buckets: [BUCKET],
      directory,
      client: { retry: { maxAttempts: 2, baseDelayMs: 1 } },
    });
    const store = createS3Store({
      client: first.client,
      bucket: BUCKET,
      partSizeBytes: 5 * MiB,
      queueSize: 1,
    });
    let closing: Promise<void> | undefined;
    const body = patternStream(60 * MiB, (sent) => {
      if (sent === 12 * MiB) closing = first.close();
    });
    const error = await store.put('cut.bin', body).catch((e: unknown) => e);
    await closing;
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(/^Cannot put s3:\/\/test-bucket\/cut\.bin: /);

    const second = await startS3rver({ directory, port: first.port });
    try {
      const again = createS3Store({ client: second.client, bucket: BUCKET });
      expect(await again.head('cut.bin')).toBeUndefined();
      expect(await again.list()).toEqual([]);
    } finally {
      await second.close();
    }
  });
});

describe('startS3rver', () => {
  it('rejects (instead of crashing) when the port is taken', async () => {
    const first = await startS3rver();
    try {
      await expect(startS3rver({ port: first.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await first.close();
    }
  });
});
