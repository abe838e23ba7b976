import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeployError } from '../deploy-error.js';
import { readVerifyRecords, writeVerifyRecord, type VerifyRecord } from './verify-record.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'musicgen-verify-record-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = (modelId: string, revision: string): VerifyRecord => ({
  verifiedAt: '2026-12-01T10:00:00.000Z',
  where: 'pod',
  modelId,
  revision,
  files: { 'config.json': 'ab'.repeat(32) },
  device: 'cuda:0',
  dtypes: { decoder: 'float16' },
  textEncoderCheck: { finite: true, nonFinite: 0, maxAbs: 0.5, prompts: 3, dtype: 'float16' },
  takes: [],
});

describe('the verify record file', () => {
  it('reads a missing file as no record, and keeps one entry per model id', async () => {
    const path = join(dir, 'sub', 'verified.json');
    expect(await readVerifyRecords(path)).toEqual({ recordVersion: 1, models: {} });
    await writeVerifyRecord(path, record('facebook/musicgen-medium', 'aaa'));
    await writeVerifyRecord(path, record('facebook/musicgen-small', 'bbb'));
    await writeVerifyRecord(path, record('facebook/musicgen-medium', 'ccc'));
    expect(await readVerifyRecords(path)).toEqual({
      recordVersion: 1,
      models: {
        'facebook/musicgen-medium': record('facebook/musicgen-medium', 'ccc'),
        'facebook/musicgen-small': record('facebook/musicgen-small', 'bbb'),
      },
    });
    expect(await readdir(join(dir, 'sub'))).toEqual(['verified.json']);
    expect((await readFile(path, 'utf8')).endsWith('}\n')).toBe(true);
  });

  it.each([
    [
      'not json',
      'it is not JSON (Unexpected token \'o\', "not json" is not valid JSON): restore it from version control, or delete it to record anew',
    ],
    [
      '{"models":{}}',
      'it is not a record file of version 1: restore it from version control, or delete it to record anew',
    ],
  ])('refuses a file holding %j', async (text, reason) => {
    const path = join(dir, 'bad.json');
    await writeFile(path, text);
    await expect(readVerifyRecords(path)).rejects.toThrow(
      new DeployError('CONFIG', `Cannot read the verify record ${path} as ${reason}`),
    );
  });
});
