export type {
  ByteRange,
  GetOptions,
  ObjectBody,
  ObjectInfo,
  ObjectStore,
  ObjectSummary,
  PutOptions,
  StoreCheckResult,
  StoredObject,
} from './object-store.js';
export { StoreError } from './store-error.js';
export type { StoreErrorCode } from './store-error.js';
export { validateKey } from './store-key.js';
export { validateMetadata, MAX_METADATA_BYTES } from './object-metadata.js';
export { CHECK_PREFIX } from './check-probe.js';
export { openStore, parseStoreLocation } from './open-store.js';
export { resolveOutLocation } from './resolve-out-location.js';
export type { OpenStoreOptions, StoreLocation } from './open-store.js';
export { createLocalStore } from './local-store.js';
export type { LocalStoreOptions } from './local-store.js';
export { createS3Store } from './s3-store.js';
export type { S3StoreOptions } from './s3-store.js';
export { createS3Client, s3SettingsFromEnv } from './s3-client.js';
export type { ChecksumMode, S3ClientSettings } from './s3-client.js';
export {
  createRetryStrategy,
  DEFAULT_BASE_DELAY_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_DELAY_MS,
  DEFAULT_THROTTLING_BASE_DELAY_MS,
} from './retry-strategy.js';
export type { RetryOptions } from './retry-strategy.js';
export { encodeAudioMetadata, decodeAudioMetadata, AUDIO_METADATA_NAMES } from './audio-metadata.js';
export type { AudioMetadata, DecodedAudioMetadata, Rendering, ServedMetadata } from './audio-metadata.js';
export { isJobDone, type IsJobDoneOptions } from './is-job-done.js';
export {
  createRunReport,
  formatQaFigures,
  formatRunSummary,
  readRunReport,
  RUN_REPORT_SCHEMA_VERSION,
  writeRunReport,
} from './run-report.js';
export type {
  JobStatus,
  RunReport,
  RunReportAttempt,
  RunReportJob,
  RunReportQa,
  RunSummary,
} from './run-report.js';
export { describeLeaseHolder, isLeaseLive, leaseOwner, LEASE_PREFIX } from './lease.js';
export type {
  AcquireLeaseOptions,
  JobLeases,
  Lease,
  LeaseMode,
  LeaseOwner,
  LeaseRecord,
  LeaseResult,
} from './lease.js';
export {
  FINAL_JOB_STATES,
  parseRunProgress,
  RUN_PROGRESS_SCHEMA_VERSION,
  RUN_PROGRESS_SUFFIX,
  runProgressKey,
} from './run-progress.js';
export type {
  RunProgress,
  RunProgressJob,
  RunProgressJobState,
  RunProgressSettings,
  RunProgressTotals,
} from './run-progress.js';
