import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { createRetryStrategy, type RetryOptions } from './retry-strategy.js';

/** How the SDK computes request checksums and validates response checksums. */
export type ChecksumMode = 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';

/** Settings of {@link createS3Client}. Every field is optional. */
export interface S3ClientSettings {
  /** Region of the bucket. Default: the SDK's chain (`AWS_REGION`, profile); `us-east-1` with a custom endpoint. */
  region?: string;
  /** Endpoint of an S3-compatible store (MinIO, R2, s3rver), e.g. `http://127.0.0.1:4569`. Default: AWS. */
  endpoint?: string;
  /** Address buckets by path (`endpoint/bucket/key`). Default: `true` with a custom endpoint, else `false`. */
  forcePathStyle?: boolean;
  /**
   * Checksum mode for requests and responses. Default: `WHEN_REQUIRED` with a custom endpoint (the
   * `WHEN_SUPPORTED` mode stores streamed bodies with their aws-chunked framing on s3rver and several
   * S3-compatible stores), `WHEN_SUPPORTED` (the SDK's default) on AWS.
   */
  checksumMode?: ChecksumMode;
  /** Retries and backoff, see {@link RetryOptions}. Default: 4 attempts, 100 ms base, 500 ms for throttling. */
  retry?: RetryOptions;
  /** Credentials. Default: the SDK's default chain (environment, profile, SSO, instance role). */
  credentials?: S3ClientConfig['credentials'];
  /** Named profile from the shared AWS config files, for the default chain. Default: `AWS_PROFILE` or `default`. */
  profile?: string;
}

/**
 * Builds an S3 client from explicit settings. Inject the result into `openStore` or `createS3Store`.
 *
 * @example
 * ```ts
 * const client = createS3Client({ endpoint: 'http://127.0.0.1:4569', region: 'us-east-1' });
 * const store = await openStore('s3://musicgen-dev/renders', { s3Client: client });
 * ```
 */
export function createS3Client(settings: S3ClientSettings = {}): S3Client {
  const { region, endpoint, forcePathStyle, checksumMode, retry, credentials, profile } = settings;
  if (endpoint !== undefined) validateEndpoint(endpoint, 'endpoint');
  const custom = endpoint !== undefined;
  const mode = checksumMode ?? (custom ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED');
  const retryStrategy = createRetryStrategy(retry);
  return new S3Client({
    ...(region !== undefined ? { region } : custom ? { region: 'us-east-1' } : {}),
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(credentials !== undefined ? { credentials } : {}),
    ...(profile !== undefined ? { profile } : {}),
    forcePathStyle: forcePathStyle ?? custom,
    requestChecksumCalculation: mode,
    responseChecksumValidation: mode,
    maxAttempts: retryStrategy.maxAttempts,
    retryStrategy,
  });
}

/**
 * Reads {@link S3ClientSettings} from environment variables: `AWS_REGION` (or `AWS_DEFAULT_REGION`),
 * `AWS_ENDPOINT_URL_S3`, `MUSICGEN_S3_FORCE_PATH_STYLE` (`true`/`false`/`1`/`0`) and
 * `MUSICGEN_S3_CHECKSUM_MODE` (`when_supported`/`when_required`). Empty values count as unset.
 * `AWS_ACCESS_KEY_ID` with `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`) become static credentials,
 * else `AWS_PROFILE` selects a profile, so that an environment read from a `.env` file works even when it
 * is not `process.env`; with none of them, the SDK's default chain decides.
 *
 * @example
 * ```ts
 * const client = createS3Client(s3SettingsFromEnv(process.env));
 * ```
 */
export function s3SettingsFromEnv(env: Record<string, string | undefined> = process.env): S3ClientSettings {
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw ? raw : undefined;
  };
  const settings: S3ClientSettings = {};
  const region = value('AWS_REGION') ?? value('AWS_DEFAULT_REGION');
  if (region !== undefined) settings.region = region;
  const endpoint = value('AWS_ENDPOINT_URL_S3');
  if (endpoint !== undefined) settings.endpoint = validateEndpoint(endpoint, 'AWS_ENDPOINT_URL_S3');
  const pathStyle = value('MUSICGEN_S3_FORCE_PATH_STYLE')?.toLowerCase();
  if (pathStyle !== undefined) {
    if (!['true', 'false', '1', '0'].includes(pathStyle)) {
      throw new RangeError(
        `Cannot configure S3: MUSICGEN_S3_FORCE_PATH_STYLE must be true or false: got ${JSON.stringify(pathStyle)}`,
      );
    }
    settings.forcePathStyle = pathStyle === 'true' || pathStyle === '1';
  }
  const checksum = value('MUSICGEN_S3_CHECKSUM_MODE')?.toUpperCase();
  if (checksum !== undefined) {
    if (checksum !== 'WHEN_SUPPORTED' && checksum !== 'WHEN_REQUIRED') {
      throw new RangeError(
        `Cannot configure S3: MUSICGEN_S3_CHECKSUM_MODE must be when_supported or when_required: got ${JSON.stringify(checksum.toLowerCase())}`,
      );
    }
    settings.checksumMode = checksum;
  }
  const accessKeyId = value('AWS_ACCESS_KEY_ID');
  const secretAccessKey = value('AWS_SECRET_ACCESS_KEY');
  const sessionToken = value('AWS_SESSION_TOKEN');
  if (accessKeyId !== undefined && secretAccessKey !== undefined) {
    settings.credentials = {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken !== undefined ? { sessionToken } : {}),
    };
  } else if (accessKeyId !== undefined || secretAccessKey !== undefined) {
    const missing = accessKeyId === undefined ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY';
    throw new RangeError(
      `Cannot configure S3: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together: ${missing} is empty`,
    );
  } else {
    const profile = value('AWS_PROFILE');
    if (profile !== undefined) settings.profile = profile;
  }
  return settings;
}

function validateEndpoint(endpoint: string, name: string): string {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
    throw new RangeError(
      `Cannot configure S3: ${name} must be an http(s) URL without user info, e.g. http://127.0.0.1:4569: got ${JSON.stringify(url?.username || url?.password ? '(a URL with credentials)' : endpoint)}`,
    );
  }
  return endpoint;
}
