import { describe, expect, it } from 'vitest';
import { resolveBaseDir } from './base-dir.js';

describe('resolveBaseDir', () => {
  it.each([
    [{ NX_TASK_TARGET_PROJECT: 'batch', INIT_CWD: '/repo/songs' }, '/repo/songs'],
    [{ INIT_CWD: '/repo/songs' }, '/repo'],
    [{ NX_TASK_TARGET_PROJECT: 'batch' }, '/repo'],
    [{}, '/repo'],
  ])('%j -> %s', (env, expected) => {
    expect(resolveBaseDir(env, '/repo')).toBe(expected);
  });
});
