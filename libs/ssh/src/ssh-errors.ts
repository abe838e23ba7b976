/** Stable codes of {@link SshError}, for callers that branch on the kind of failure. */
export type SshErrorCode =
  /** A setting (environment variable or option) is missing or malformed. */
  | 'SSH_CONFIG'
  /** The server's host key differs from the pinned fingerprint or from `known_hosts`, or is revoked. */
  | 'HOST_KEY_MISMATCH'
  /** The server's host key is in neither the pinned fingerprints nor `known_hosts`. */
  | 'HOST_KEY_UNKNOWN'
  /** The server refused every key offered. */
  | 'AUTH_FAILED'
  /** No TCP connection or no SSH handshake (refused, unreachable, timed out, cut). */
  | 'CONNECT_FAILED'
  /** A remote command exited with a non-zero status. */
  | 'REMOTE_COMMAND_FAILED';

/**
 * An SSH failure with a one-line message that says what failed, why, and the value involved. Messages
 * never contain a secret (passphrases and pod environment values are never formatted into them).
 *
 * @example
 * ```ts
 * try { await connectSsh(...); } catch (e) { if (e instanceof SshError && e.code === 'HOST_KEY_UNKNOWN') ... }
 * ```
 */
export class SshError extends Error {
  override readonly name = 'SshError';
  constructor(
    readonly code: SshErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
