/** Stable codes of {@link DeployError}. */
export type DeployErrorCode =
  /** A flag or a setting is missing or malformed (exit 2). */
  | 'CONFIG'
  /** The pod runtime or the run failed on the pod (exit 1). */
  | 'POD_FAILED'
  /** Packing the workspace packages on this machine failed (exit 1). */
  | 'PACK_FAILED'
  /** `deploy:pod --verify` found the deployment wrong: another checkpoint, bad takes (exit 1). */
  | 'VERIFY_FAILED';

/**
 * A deploy failure with a one-line message: what failed, why, the value involved (never a secret).
 *
 * @example
 * ```ts
 * throw new DeployError('CONFIG', 'Missing --prompts <file>: give the prompts file to run on the pod');
 * ```
 */
export class DeployError extends Error {
  override readonly name = 'DeployError';
  constructor(
    readonly code: DeployErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
