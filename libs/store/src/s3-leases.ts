import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import {
  isLeaseLive,
  leaseRecord,
  LEASE_PREFIX,
  parseLeaseRecord,
  type JobLeases,
  type Lease,
  type LeaseMode,
  type LeaseOwner,
  type LeaseRecord,
} from './lease.js';
import { CHECK_PREFIX } from './check-probe.js';
import { validateKey } from './store-key.js';

/** What {@link createS3Leases} needs from its store. */
export interface S3LeasesOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** The store's key prefix (`''` or ending in `/`). */
  readonly prefix: string;
  /** Turns an SDK error into the store's `StoreError` (never returns). */
  readonly fail: (error: unknown, action: string, permission: string) => Promise<never>;
}

const MAX_ROUNDS = 5;

/** A conditional write lost: the object is not (or no longer) what the condition named. */
function isConditionFailed(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e.name === 'PreconditionFailed' ||
    e.name === 'ConditionalRequestConflict' ||
    e.$metadata?.httpStatusCode === 412 ||
    e.$metadata?.httpStatusCode === 409
  );
}

function isMissing(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

/**
 * Leases as small objects `_musicgen-leases/<name>.lease`. Where the store honours conditional writes (AWS
 * S3, MinIO, moto), a lease is created with `If-None-Match: *` (only one creator wins), renewed and taken
 * over with `If-Match: <etag>` (only the writer who read the current version wins), and released with a
 * conditional delete. {@link JobLeases.mode} finds out once, with a probe object, whether the store
 * honours them; where it ignores them (s3rver), leases are advisory: read first, then written.
 *
 * @example
 * ```ts
 * const leases = createS3Leases({ client, bucket: 'renders', prefix: 'v1/', fail });
 * await leases.mode(); // 'exclusive' on AWS S3
 * ```
 */
export function createS3Leases(options: S3LeasesOptions): JobLeases {
  const { client, bucket, prefix, fail } = options;
  const keyOf = (name: string) => `${prefix}${LEASE_PREFIX}${validateKey(name)}.lease`;
  const permission = 's3:PutObject, s3:GetObject and s3:DeleteObject';
  let mode: Promise<LeaseMode> | undefined;

  const put = async (
    Key: string,
    record: LeaseRecord,
    condition: { IfNoneMatch?: string; IfMatch?: string },
  ) => {
    const out = await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key,
        Body: JSON.stringify(record),
        ContentType: 'application/json',
        ...condition,
      }),
    );
    return out.ETag ?? '';
  };
  /** The stored lease and its ETag, or undefined when there is none. */
  const read = async (
    Key: string,
  ): Promise<{ record: LeaseRecord | undefined; etag: string } | undefined> => {
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
      const text = (await out.Body?.transformToString()) ?? '';
      return { record: parseLeaseRecord(text), etag: out.ETag ?? '' };
    } catch (error) {
      if (isMissing(error)) return undefined;
      return fail(error, `read the lease s3://${bucket}/${Key}`, permission);
    }
  };

  const probe = async (): Promise<LeaseMode> => {
    const Key = `${prefix}${CHECK_PREFIX}conditional-${randomBytes(6).toString('hex')}`;
    const record = leaseRecord({ runId: 'probe', host: 'probe', pid: 0 }, 0);
    try {
      await put(Key, record, { IfNoneMatch: '*' });
      try {
        await put(Key, record, { IfNoneMatch: '*' });
        return 'advisory';
      } catch (error) {
        if (isConditionFailed(error)) return 'exclusive';
        throw error;
      }
    } catch (error) {
      return fail(error, `probe conditional writes with s3://${bucket}/${Key}`, permission);
    } finally {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key })).catch(() => undefined);
    }
  };

  const held = (name: string, Key: string, etag: string, owner: LeaseOwner, ttlMs: number): Lease => {
    let current = etag;
    return {
      name,
      async renew() {
        const record = leaseRecord(owner, ttlMs);
        if ((await leases.mode()) === 'advisory') {
          const now = await read(Key);
          if (now?.record?.runId !== owner.runId) return false;
          current = await put(Key, record, {});
          return true;
        }
        try {
          current = await put(Key, record, { IfMatch: current });
          return true;
        } catch (error) {
          if (isConditionFailed(error) || isMissing(error)) return false;
          return fail(error, `renew the lease s3://${bucket}/${Key}`, permission);
        }
      },
      async release() {
        if ((await leases.mode()) === 'exclusive') {
          try {
            await client.send(new DeleteObjectCommand({ Bucket: bucket, Key, IfMatch: current }));
            return;
          } catch (error) {
            if (isConditionFailed(error) || isMissing(error)) return;
            // A store without conditional deletes: read, then delete only our own lease.
          }
        }
        const now = await read(Key);
        if (now?.record?.runId === owner.runId) {
          await client.send(new DeleteObjectCommand({ Bucket: bucket, Key })).catch(() => undefined);
        }
      },
    };
  };

  const leases: JobLeases = {
    mode() {
      mode ??= probe();
      return mode;
    },

    async acquire(name, { owner, ttlMs }) {
      const Key = keyOf(name);
      const exclusive = (await leases.mode()) === 'exclusive';
      let last: LeaseRecord | undefined;
      for (let round = 0; round < MAX_ROUNDS; round += 1) {
        const stored = await read(Key);
        const record = stored?.record;
        if (record && record.runId !== owner.runId && isLeaseLive(record))
          return { acquired: false, holder: record };
        last = record;
        const condition = !exclusive ? {} : stored ? { IfMatch: stored.etag } : { IfNoneMatch: '*' };
        try {
          const etag = await put(Key, leaseRecord(owner, ttlMs), condition);
          if (!exclusive) {
            // Advisory: whoever wrote last holds it; read back to see who that is.
            const after = await read(Key);
            if (after?.record && after.record.runId !== owner.runId)
              return { acquired: false, holder: after.record };
          }
          return { acquired: true, lease: held(name, Key, etag, owner, ttlMs) };
        } catch (error) {
          if (!isConditionFailed(error) && !isMissing(error)) {
            return fail(error, `take the lease s3://${bucket}/${Key}`, permission);
          }
        }
      }
      if (last) return { acquired: false, holder: last };
      throw new Error(
        `Cannot take the lease ${JSON.stringify(name)}: it changed hands ${MAX_ROUNDS} times in a row`,
      );
    },

    async holder(name, runId) {
      const record = (await read(keyOf(name)))?.record;
      return record && record.runId !== runId && isLeaseLive(record) ? record : undefined;
    },
  };
  return leases;
}
