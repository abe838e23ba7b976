import { describe, expect, it } from 'vitest';
import { describeS3Failure } from './s3-failure.js';

const context = {
  action: 'put s3://b/k',
  bucket: 'b',
  permission: 's3:PutObject on arn:aws:s3:::b/*',
  region: 'us-east-1',
};

describe('describeS3Failure', () => {
  it.each([
    [
      { name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } },
      'CREDENTIALS',
      'the secret key does not match the access key ID (SignatureDoesNotMatch); fix AWS_SECRET_ACCESS_KEY',
    ],
    [
      { name: 'ExpiredToken' },
      'CREDENTIALS',
      'the session token was refused (ExpiredToken); refresh AWS_SESSION_TOKEN',
    ],
    [
      { name: 'AuthorizationHeaderMalformed', Region: 'ap-south-1' },
      'WRONG_REGION',
      'bucket "b" is in region ap-south-1, not us-east-1; set AWS_REGION=ap-south-1',
    ],
    [
      { name: 'Unknown', $metadata: { httpStatusCode: 301 } },
      'WRONG_REGION',
      `bucket "b" is in another region, not us-east-1; set AWS_REGION to the bucket's region`,
    ],
    [
      { name: 'Forbidden', $metadata: { httpStatusCode: 403 } },
      'ACCESS_DENIED',
      'access denied (Forbidden); the credentials need s3:PutObject on arn:aws:s3:::b/*',
    ],
    [
      { name: 'Error', code: 'ECONNREFUSED' },
      'REQUEST_FAILED',
      'the S3 endpoint cannot be reached (ECONNREFUSED); check AWS_ENDPOINT_URL_S3 and the network',
    ],
    [
      { name: 'InternalError', $metadata: { httpStatusCode: 500 } },
      'REQUEST_FAILED',
      'InternalError (HTTP 500)',
    ],
    [
      { name: 'Error', $metadata: { httpStatusCode: 404 } },
      'REQUEST_FAILED',
      'the endpoint did not answer as an S3 service (HTTP 404); check that AWS_ENDPOINT_URL_S3 points at S3 or an S3-compatible store',
    ],
    [
      { name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } },
      'BUCKET_NOT_FOUND',
      'bucket "b" does not exist; create it, or fix the bucket name (in --out or MUSICGEN_S3_BUCKET)',
    ],
    [
      undefined,
      'REQUEST_FAILED',
      'the S3 request failed without an error name; check AWS_ENDPOINT_URL_S3 and the network',
    ],
  ])('describes %j', (error, code, reason) => {
    expect(describeS3Failure(error, context)).toEqual({ code, message: `Cannot put s3://b/k: ${reason}` });
  });
});
