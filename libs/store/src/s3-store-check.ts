import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { probeKey } from './check-probe.js';
import type { ObjectStore, StoreCheckResult } from './object-store.js';
import { describeS3Failure } from './s3-failure.js';

/** What {@link checkS3Store} needs: the client, where the store points, and the store for the write probe. */
export interface S3CheckTarget {
  client: S3Client;
  bucket: string;
  prefix: string;
  store: ObjectStore;
}

/**
 * Checks, in order, that credentials and a region are configured, that the bucket exists in that region
 * and can be listed with these credentials, and that a probe object can be written, read and deleted
 * under the reserved prefix `_musicgen-check/`. Stops at the first failure, which becomes one line naming
 * the variable or permission to fix. Lines never contain secrets.
 */
export async function checkS3Store(target: S3CheckTarget): Promise<StoreCheckResult> {
  const { client, bucket, prefix, store } = target;
  const failed = (line: string): StoreCheckResult => ({ ok: false, problems: [line] });
  const where = `s3://${bucket}/${prefix}`;

  let region: string | undefined;
  try {
    region = await client.config.region();
  } catch {
    region = undefined;
  }
  if (!region) {
    return failed(`Cannot use ${where}: no AWS region configured; set AWS_REGION to the bucket's region`);
  }

  try {
    const credentials = await client.config.credentials();
    if (!credentials.accessKeyId || !credentials.secretAccessKey) throw new Error('empty credentials');
  } catch {
    return failed(
      `Cannot use ${where}: no usable AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with an instance role`,
    );
  }

  try {
    await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 0 }));
  } catch (error) {
    return failed(
      describeS3Failure(error, {
        action: `list ${where}`,
        bucket,
        region,
        permission: `s3:ListBucket on arn:aws:s3:::${bucket}`,
      }).message,
    );
  }

  const key = probeKey();
  try {
    await store.put(key, Buffer.from('musicgen write probe'), { contentType: 'text/plain' });
    if (!(await store.head(key))) {
      return failed(
        `Cannot read back s3://${bucket}/${prefix}${key}: the probe object was written but is not there`,
      );
    }
    await store.delete(key);
  } catch (error) {
    return failed((error as Error).message);
  }
  return { ok: true, problems: [] };
}
