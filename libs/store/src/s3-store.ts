import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { validateMetadata } from './object-metadata.js';
import { fitRange, validateRange } from './byte-range.js';
import type {
  GetOptions,
  ObjectBody,
  ObjectInfo,
  ObjectStore,
  ObjectSummary,
  PutOptions,
  StoredObject,
} from './object-store.js';
import { describeS3Failure } from './s3-failure.js';
import { createS3Leases } from './s3-leases.js';
import { checkS3Store } from './s3-store-check.js';
import { StoreError } from './store-error.js';
import { validateKey, validatePrefix } from './store-key.js';

/** Options of {@link createS3Store}. */
export interface S3StoreOptions {
  /** The S3 client, e.g. from `createS3Client` (injected, never built here). */
  client: S3Client;
  /** Bucket name. */
  bucket: string;
  /** Key prefix inside the bucket; `''` (default) is the bucket root, otherwise it ends with `/`. */
  prefix?: string;
  /** Bodies larger than this go up as multipart uploads in parts of this size. Default: 8 MiB (minimum 5 MiB). */
  partSizeBytes?: number;
  /** Parts uploaded at once per object; memory per upload is about `partSizeBytes * queueSize`. Default: 4. */
  queueSize?: number;
}

const MIN_PART_SIZE = 5 * 1024 * 1024;

/**
 * An {@link ObjectStore} on S3 or an S3-compatible store. Puts go through `@aws-sdk/lib-storage`
 * (multipart above `partSizeBytes`, streamed, retried per part); a failed multipart upload is aborted, so
 * nothing appears under the key. Metadata is S3 user metadata.
 *
 * @example
 * ```ts
 * const store = createS3Store({ client: createS3Client(s3SettingsFromEnv()), bucket: 'renders', prefix: 'v1/' });
 * await store.put('calm_1a2b3c4d.wav', wavBytes, { contentType: 'audio/wav' });
 * ```
 */
export function createS3Store(options: S3StoreOptions): ObjectStore {
  const { client, bucket, prefix = '', partSizeBytes = 8 * 1024 * 1024, queueSize = 4 } = options;
  if (prefix !== '' && !prefix.endsWith('/')) {
    throw new RangeError(
      `Cannot open S3 store: prefix must be empty or end with "/": got ${JSON.stringify(prefix)}`,
    );
  }
  validatePrefix(prefix);
  if (!Number.isInteger(partSizeBytes) || partSizeBytes < MIN_PART_SIZE) {
    throw new RangeError(
      `Cannot open S3 store: 'partSizeBytes' must be an integer >= ${MIN_PART_SIZE}: current value is ${partSizeBytes}`,
    );
  }
  if (!Number.isInteger(queueSize) || queueSize < 1) {
    throw new RangeError(
      `Cannot open S3 store: 'queueSize' must be an integer >= 1: current value is ${queueSize}`,
    );
  }
  const location = `s3://${bucket}/${prefix}`;
  const objectKey = (key: string) => prefix + validateKey(key);
  const fail = async (error: unknown, action: string, permission: string): Promise<never> => {
    const region = await client.config.region().catch(() => undefined);
    const { code, message } = describeS3Failure(error, {
      action,
      bucket,
      permission: `${permission} on arn:aws:s3:::${bucket}/${prefix}*`,
      ...(region ? { region } : {}),
    });
    throw new StoreError(code, message, { cause: error });
  };

  const head = async (key: string): Promise<ObjectInfo | undefined> => {
    const Key = objectKey(key);
    try {
      const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key }));
      return { key, bytes: out.ContentLength ?? 0, metadata: out.Metadata ?? {} };
    } catch (error) {
      if ((error as { name?: string }).name === 'NotFound') return undefined;
      return fail(error, `read s3://${bucket}/${Key}`, 's3:GetObject (and s3:ListBucket for missing keys)');
    }
  };

  const store: ObjectStore = {
    location,
    leases: createS3Leases({ client, bucket, prefix, fail }),
    exists: async (key) => (await head(key)) !== undefined,
    head,

    async put(key: string, body: ObjectBody, putOptions: PutOptions = {}): Promise<ObjectInfo> {
      const Key = objectKey(key);
      const metadata = validateMetadata({ ...(putOptions.metadata ?? {}) });
      let bytes = 0;
      let Body: Uint8Array | Readable;
      if (body instanceof Uint8Array) {
        bytes = body.byteLength;
        Body = body;
      } else {
        Body = Readable.from(
          (async function* count() {
            for await (const chunk of body as AsyncIterable<Uint8Array>) {
              bytes += chunk.byteLength;
              yield chunk;
            }
          })(),
        );
      }
      const abortController = new AbortController();
      const onAbort = () => abortController.abort(putOptions.signal?.reason);
      putOptions.signal?.addEventListener('abort', onAbort, { once: true });
      const upload = new Upload({
        client,
        params: {
          Bucket: bucket,
          Key,
          Body,
          Metadata: metadata,
          ContentType: putOptions.contentType ?? 'application/octet-stream',
        },
        partSize: partSizeBytes,
        queueSize,
        leavePartsOnError: false,
        abortController,
      });
      try {
        if (putOptions.signal?.aborted) throw putOptions.signal.reason;
        await upload.done();
        return { key, bytes, metadata };
      } catch (error) {
        if (putOptions.signal?.aborted) throw putOptions.signal.reason;
        return fail(error, `put s3://${bucket}/${Key}`, 's3:PutObject');
      } finally {
        putOptions.signal?.removeEventListener('abort', onAbort);
      }
    },

    async get(key: string, getOptions: GetOptions = {}): Promise<StoredObject> {
      const Key = objectKey(key);
      const asked = getOptions.range && validateRange(getOptions.range, key);
      try {
        const Range = asked ? `bytes=${asked.start}-${asked.end}` : undefined;
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key, Range }));
        const body = out.Body as Readable;
        if (!asked) return { key, bytes: out.ContentLength ?? 0, metadata: out.Metadata ?? {}, body };
        // `bytes 0-99/1234`: the part sent and the whole object's size.
        const sent = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(out.ContentRange ?? '');
        if (!sent) {
          body.destroy();
          throw new StoreError(
            'REQUEST_FAILED',
            `Cannot get bytes ${asked.start}-${asked.end} of s3://${bucket}/${Key} as the store ignored the range (Content-Range: ${JSON.stringify(out.ContentRange ?? null)})`,
          );
        }
        const bytes = Number(sent[3]);
        return {
          key,
          bytes,
          metadata: out.Metadata ?? {},
          range: { start: Number(sent[1]), end: Number(sent[2]) },
          body,
        };
      } catch (error) {
        if (error instanceof StoreError) throw error;
        if (asked && (error as { name?: string }).name === 'InvalidRange') {
          // S3 answers 416 for a range that starts past the last byte, with the object's size.
          const size = Number((error as { ActualObjectSize?: string }).ActualObjectSize);
          if (Number.isFinite(size)) fitRange(asked, size, key);
          throw new RangeError(
            `Cannot get ${JSON.stringify(key)} from byte ${asked.start} as the object is shorter`,
          );
        }
        if ((error as { name?: string }).name === 'NoSuchKey') {
          throw new StoreError(
            'NOT_FOUND',
            `Cannot get object: no object under ${JSON.stringify(key)} in ${location}`,
          );
        }
        return fail(error, `get s3://${bucket}/${Key}`, 's3:GetObject');
      }
    },

    async list(listPrefix = ''): Promise<ObjectSummary[]> {
      validatePrefix(listPrefix);
      const found: ObjectSummary[] = [];
      let ContinuationToken: string | undefined;
      do {
        try {
          const out = await client.send(
            new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix + listPrefix, ContinuationToken }),
          );
          for (const item of out.Contents ?? []) {
            if (item.Key) found.push({ key: item.Key.slice(prefix.length), bytes: item.Size ?? 0 });
          }
          ContinuationToken = out.IsTruncated ? out.NextContinuationToken : undefined;
        } catch (error) {
          return fail(error, `list s3://${bucket}/${prefix}${listPrefix}`, 's3:ListBucket');
        }
      } while (ContinuationToken);
      return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },

    async delete(key: string): Promise<void> {
      const Key = objectKey(key);
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
      } catch (error) {
        return fail(error, `delete s3://${bucket}/${Key}`, 's3:DeleteObject');
      }
    },

    check: () => checkS3Store({ client, bucket, prefix, store }),
  };
  return store;
}
