import { describe, expect, it } from 'vitest';
import { createS3Client, s3SettingsFromEnv } from './s3-client.js';

describe('s3SettingsFromEnv', () => {
  it.each([
    [{}, {}],
    [{ AWS_DEFAULT_REGION: 'eu-west-1' }, { region: 'eu-west-1' }],
    [{ AWS_DEFAULT_REGION: 'eu-west-1', AWS_REGION: 'eu-central-1' }, { region: 'eu-central-1' }],
    [{ AWS_REGION: ' ', AWS_ENDPOINT_URL_S3: '' }, {}],
    [
      { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4569', MUSICGEN_S3_FORCE_PATH_STYLE: 'TRUE' },
      { endpoint: 'http://127.0.0.1:4569', forcePathStyle: true },
    ],
    [{ MUSICGEN_S3_FORCE_PATH_STYLE: '0' }, { forcePathStyle: false }],
    [{ MUSICGEN_S3_CHECKSUM_MODE: 'when_supported' }, { checksumMode: 'WHEN_SUPPORTED' }],
    [
      { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 's3cr3t', AWS_PROFILE: 'ignored' },
      { credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 's3cr3t' } },
    ],
    [
      { AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 's3cr3t', AWS_SESSION_TOKEN: 'tok' },
      { credentials: { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 's3cr3t', sessionToken: 'tok' } },
    ],
    [{ AWS_PROFILE: 'renders' }, { profile: 'renders' }],
  ])('reads %j', (env, expected) => {
    expect(s3SettingsFromEnv(env)).toEqual(expected);
  });

  it.each([
    [
      { MUSICGEN_S3_FORCE_PATH_STYLE: 'yes' },
      'Cannot configure S3: MUSICGEN_S3_FORCE_PATH_STYLE must be true or false: got "yes"',
    ],
    [
      { MUSICGEN_S3_CHECKSUM_MODE: 'always' },
      'Cannot configure S3: MUSICGEN_S3_CHECKSUM_MODE must be when_supported or when_required: got "always"',
    ],
    [
      { AWS_ENDPOINT_URL_S3: '127.0.0.1:4569' },
      'Cannot configure S3: AWS_ENDPOINT_URL_S3 must be an http(s) URL without user info, e.g. http://127.0.0.1:4569: got "127.0.0.1:4569"',
    ],
    [
      { AWS_ENDPOINT_URL_S3: 'http://key:secret@minio:9000' },
      'Cannot configure S3: AWS_ENDPOINT_URL_S3 must be an http(s) URL without user info, e.g. http://127.0.0.1:4569: got "(a URL with credentials)"',
    ],
    [
      { AWS_SECRET_ACCESS_KEY: 'do-not-print-me' },
      'Cannot configure S3: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together: AWS_ACCESS_KEY_ID is empty',
    ],
    [
      { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE' },
      'Cannot configure S3: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together: AWS_SECRET_ACCESS_KEY is empty',
    ],
  ])('rejects %j', (env, message) => {
    expect(() => s3SettingsFromEnv(env)).toThrow(new RangeError(message));
  });
});

describe('createS3Client', () => {
  it('defaults a custom endpoint to path style, us-east-1 and WHEN_REQUIRED checksums', async () => {
    const client = createS3Client({ endpoint: 'http://127.0.0.1:4569' });
    expect({
      region: await client.config.region(),
      forcePathStyle: client.config.forcePathStyle,
      request: await client.config.requestChecksumCalculation(),
      response: await client.config.responseChecksumValidation(),
      maxAttempts: await client.config.maxAttempts(),
    }).toEqual({
      region: 'us-east-1',
      forcePathStyle: true,
      request: 'WHEN_REQUIRED',
      response: 'WHEN_REQUIRED',
      maxAttempts: 4,
    });
    client.destroy();
  });

  it('keeps the SDK defaults for AWS and takes explicit settings', async () => {
    const aws = createS3Client({ region: 'eu-west-1' });
    const custom = createS3Client({
      endpoint: 'https://minio.example:9000',
      forcePathStyle: false,
      checksumMode: 'WHEN_SUPPORTED',
      retry: { maxAttempts: 2 },
    });
    expect([
      aws.config.forcePathStyle,
      await aws.config.requestChecksumCalculation(),
      custom.config.forcePathStyle,
      await custom.config.responseChecksumValidation(),
      await custom.config.maxAttempts(),
    ]).toEqual([false, 'WHEN_SUPPORTED', false, 'WHEN_SUPPORTED', 2]);
    aws.destroy();
    custom.destroy();
  });
});
