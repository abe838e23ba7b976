export {
  startS3rver,
  S3RVER_CREDENTIALS,
  type RunningS3rver,
  type StartS3rverOptions,
} from './start-s3rver.js';
