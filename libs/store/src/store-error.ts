/** Why a store operation failed; stable, so callers can branch on it. */
export type StoreErrorCode =
  'NOT_FOUND' | 'BUCKET_NOT_FOUND' | 'ACCESS_DENIED' | 'WRONG_REGION' | 'CREDENTIALS' | 'REQUEST_FAILED';

/**
 * A store operation that failed for a reason a caller may act on (a missing object, a missing bucket,
 * refused credentials). Messages never contain secrets.
 *
 * @example
 * ```ts
 * try {
 *   await store.get('missing.wav');
 * } catch (error) {
 *   if (error instanceof StoreError && error.code === 'NOT_FOUND') console.log('not there yet');
 * }
 * ```
 */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
