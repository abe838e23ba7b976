import { randomBytes } from 'node:crypto';

/** Reserved key prefix, relative to a store's prefix, for the write probe of `check()`. */
export const CHECK_PREFIX = '_musicgen-check/';

/** A fresh key for a write probe under the reserved prefix. */
export function probeKey(): string {
  return `${CHECK_PREFIX}probe-${randomBytes(6).toString('hex')}`;
}
