import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvFile, resolveBaseDir } from './entry.js';

describe('resolveBaseDir', () => {
  it.each<[Record<string, string>, string]>([
    [{ NX_TASK_TARGET_PROJECT: 'batch', INIT_CWD: '/repo/songs' }, '/repo/songs'],
    [{ INIT_CWD: '/repo/songs' }, '/repo'],
    [{ NX_TASK_TARGET_PROJECT: 'batch' }, '/repo'],
  ])('%j from /repo: %s', (env, expected) => {
    expect(resolveBaseDir(env, '/repo')).toBe(expected);
  });
});

describe('loadEnvFile', () => {
  it('adds the variables of .env that are not set yet, and nothing without a .env', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'musicgen-cli-env-'));
    try {
      const env: Record<string, string | undefined> = { KEPT: 'real' };
      loadEnvFile(dir, env);
      expect(env).toEqual({ KEPT: 'real' });
      await writeFile(join(dir, '.env'), '# settings\nKEPT=from-file\nADDED=x y\nBLANK=\n');
      loadEnvFile(dir, env);
      expect(env).toEqual({ KEPT: 'real', ADDED: 'x y', BLANK: '' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
