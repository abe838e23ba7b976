import type { StoreErrorCode } from './store-error.js';

interface SdkErrorShape {
  name?: string;
  code?: string;
  Region?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

/** What was being done when an S3 call failed, to word the one-line explanation. */
export interface S3FailureContext {
  /** e.g. `put s3://bucket/prefix/a.wav` */
  action: string;
  bucket: string;
  /** The IAM permission the action needs, e.g. `s3:PutObject on arn:aws:s3:::bucket/prefix*`. */
  permission: string;
  /** The region the client signs for, when known. */
  region?: string;
}

const NETWORK_CODES = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EPIPE',
];

/** Names the SDK gives an answer it could not read as an S3 error (an HTML page, an empty body). */
const GENERIC_NAMES = ['Error', 'Unknown', 'UnknownError'];

/**
 * Turns an AWS SDK error into a stable code and one line that names what to fix. The line holds only the
 * error's name, HTTP status and non-secret settings, never a server message or a credential.
 */
export function describeS3Failure(
  error: unknown,
  context: S3FailureContext,
): { code: StoreErrorCode; message: string } {
  const e = (error ?? {}) as SdkErrorShape;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const { action, bucket, permission } = context;
  const fail = (code: StoreErrorCode, reason: string) => ({ code, message: `Cannot ${action}: ${reason}` });

  if (name === 'CredentialsProviderError') {
    return fail(
      'CREDENTIALS',
      'no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with an instance role',
    );
  }
  if (name === 'InvalidAccessKeyId') {
    return fail(
      'CREDENTIALS',
      'the server does not know this access key ID (InvalidAccessKeyId); fix AWS_ACCESS_KEY_ID',
    );
  }
  if (name === 'SignatureDoesNotMatch') {
    return fail(
      'CREDENTIALS',
      'the secret key does not match the access key ID (SignatureDoesNotMatch); fix AWS_SECRET_ACCESS_KEY',
    );
  }
  if (name === 'ExpiredToken' || name === 'InvalidToken' || name === 'TokenRefreshRequired') {
    return fail('CREDENTIALS', `the session token was refused (${name}); refresh AWS_SESSION_TOKEN`);
  }
  if (name === 'NoSuchBucket') {
    return fail(
      'BUCKET_NOT_FOUND',
      `bucket "${bucket}" does not exist; create it, or fix the bucket name (in --out or MUSICGEN_S3_BUCKET)`,
    );
  }
  if (name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed' || status === 301) {
    const actual = e.$response?.headers?.['x-amz-bucket-region'] ?? e.Region;
    const current = context.region ? `, not ${context.region}` : '';
    return fail(
      'WRONG_REGION',
      actual
        ? `bucket "${bucket}" is in region ${actual}${current}; set AWS_REGION=${actual}`
        : `bucket "${bucket}" is in another region${current}; set AWS_REGION to the bucket's region`,
    );
  }
  if (name === 'AccessDenied' || name === 'Forbidden' || status === 403) {
    return fail('ACCESS_DENIED', `access denied (${name}); the credentials need ${permission}`);
  }
  const network = [e.code, name].find((c) => c !== undefined && NETWORK_CODES.includes(c));
  if (network) {
    return fail(
      'REQUEST_FAILED',
      `the S3 endpoint cannot be reached (${network}); check AWS_ENDPOINT_URL_S3 and the network`,
    );
  }
  if (status !== undefined && GENERIC_NAMES.includes(name)) {
    return fail(
      'REQUEST_FAILED',
      `the endpoint did not answer as an S3 service (HTTP ${status}); check that AWS_ENDPOINT_URL_S3 points at S3 or an S3-compatible store`,
    );
  }
  if (status === undefined && GENERIC_NAMES.includes(name)) {
    return fail(
      'REQUEST_FAILED',
      'the S3 request failed without an error name; check AWS_ENDPOINT_URL_S3 and the network',
    );
  }
  return fail('REQUEST_FAILED', status ? `${name} (HTTP ${status})` : name);
}
