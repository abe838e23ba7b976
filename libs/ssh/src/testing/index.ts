export { startSshd, SSHD_PATH } from './start-sshd.js';
export type { RunningSshd, StartSshdOptions } from './start-sshd.js';
export { findFreePort } from './find-free-port.js';
export { startCuttingProxy } from './start-cutting-proxy.js';
export type { CuttingProxy } from './start-cutting-proxy.js';
export { sshdPodEnv } from './pod-env.js';
