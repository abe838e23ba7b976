export { startS3rver, S3RVER_CREDENTIALS } from '../s3rver/start-s3rver.js';
export type { RunningS3rver, StartS3rverOptions } from '../s3rver/start-s3rver.js';
export { startFaultProxy } from './start-fault-proxy.js';
export type { FaultProxy, FaultProxyOptions, InjectedFault, ProxiedRequest } from './start-fault-proxy.js';
