export { SshError } from './ssh-errors.js';
export type { SshErrorCode } from './ssh-errors.js';
export { resolveSshSettings, SSH_ENV, DEFAULT_SSH_PORT, DEFAULT_SSH_USER } from './ssh-settings.js';
export type { SshHost, SshSettings, SshSettingsContext } from './ssh-settings.js';
export { chooseAgent, OPENSSH_AGENT_PIPE } from './choose-agent.js';
export type { AgentChoice, AgentEnvironment } from './choose-agent.js';
export { readPrivateKey } from './read-private-key.js';
export {
  checkKnownHosts,
  fingerprintOf,
  formatKnownHostsLine,
  hostsFieldMatches,
  keyTypeOf,
  knownHostsName,
  parseKnownHosts,
} from './host-key.js';
export type { KnownHostsEntry, KnownHostsVerdict } from './host-key.js';
export { verifyHostKey } from './verify-host-key.js';
export type { HostKeyAcceptance, HostKeyPolicy } from './verify-host-key.js';
export { connectSsh, DEFAULT_KEEPALIVE_INTERVAL_MS, DEFAULT_READY_TIMEOUT_MS } from './connect-ssh.js';
export type { ConnectSshOptions, SshConnection } from './connect-ssh.js';
export { runRemote, runRemoteChecked } from './run-remote.js';
export type { RemoteResult, RunRemoteOptions } from './run-remote.js';
export { shellQuote } from './shell-quote.js';
export {
  isTemporaryName,
  listRemote,
  makeRemoteDirectory,
  readRemoteFile,
  removeRemoteFile,
  renameRemote,
  statRemote,
  writeRemoteFileAtomic,
} from './remote-files.js';
export { syncDirectory, DEFAULT_SYNC_EXCLUDES, SYNC_MANIFEST_NAME } from './sync-directory.js';
export type { SyncDirectoryOptions, SyncResult } from './sync-directory.js';
export { openLocalForward } from './open-local-forward.js';
export type { LocalForward, LocalForwardOptions } from './open-local-forward.js';
export {
  backoffDelayMs,
  sleep,
  BACKOFF_INITIAL_MS,
  BACKOFF_JITTER,
  BACKOFF_MAX_MS,
  BACKOFF_MULTIPLIER,
} from './backoff.js';
export { podLayout, DEFAULT_POD_VOLUME } from './pod-layout.js';
export type { PodLayout } from './pod-layout.js';
export { resolvePodSettings } from './pod-settings.js';
export type { PodSettings } from './pod-settings.js';
export { followRemoteFiles } from './follow-remote-files.js';
export type { FollowRemoteFilesOptions } from './follow-remote-files.js';
export { selectHost } from './select-host.js';
export { readRunState } from './run-state.js';
export type { RunState } from './run-state.js';
