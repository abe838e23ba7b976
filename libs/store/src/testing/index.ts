export { startS3rver, S3RVER_CREDENTIALS } from '../s3rver/start-s3rver.js';
export type { RunningS3rver, StartS3rverOptions } from '../s3rver/start-s3rver.js';
export { startFaultProxy } from './start-fault-proxy.js';
export type { FaultProxy, FaultProxyOptions, InjectedFault, ProxiedRequest } from './start-fault-proxy.js';
export { mountTmpfs } from './mount-tmpfs.js';
export type { MountedTmpfs, MountTmpfsOptions } from './mount-tmpfs.js';
export { motoServerPath, startMoto } from './start-moto.js';
export type { RunningMoto } from './start-moto.js';
