import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalStore } from './local-store.js';
import { createRunReport, writeRunReport } from './run-report.js';
import { parseRunProgress, runProgressKey, type RunProgress } from './run-progress.js';

const PROGRESS: RunProgress = {
  schemaVersion: 1,
  id: 'a1b2c3',
  startedAt: '2026-11-28T10:04:07.123Z',
  updatedAt: '2026-11-28T10:04:09.000Z',
  state: 'running',
  prompts: 'p.txt',
  location: '/out',
  preview: true,
  model: 'musicgen-preview',
  totals: {
    jobs: 1,
    done: 0,
    generated: 0,
    skipped: 0,
    failed: 0,
    invalid: 0,
    fractionDone: 0.25,
    audioSecondsTotal: 10,
    audioSecondsDone: 5,
    audioSecondsPerSecond: 2.5,
    elapsedSeconds: 2,
    etaSeconds: 6,
  },
  jobs: [
    {
      line: 1,
      key: 'calm_1a2b3c4d.wav',
      prompt: 'calm',
      durationSeconds: 10,
      state: 'generating',
      framesDone: 250,
      frames: 500,
      window: 1,
      windows: 1,
    },
  ],
};

describe('run progress', () => {
  it('lives beside the run report, under the same name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'musicgen-progress-'));
    try {
      const startedAt = new Date('2026-11-28T10:04:07.123Z');
      const report = createRunReport({
        id: 'a1b2c3',
        startedAt,
        finishedAt: startedAt,
        location: dir,
        jobs: [],
      });
      const { jsonKey } = await writeRunReport(createLocalStore({ directory: dir }), report);
      expect(jsonKey).toBe('reports/20261128T100407Z-a1b2c3.json');
      expect(runProgressKey(startedAt.toISOString(), 'a1b2c3')).toBe(
        'reports/20261128T100407Z-a1b2c3.progress.json',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads back what was written', () => {
    expect(parseRunProgress(JSON.stringify(PROGRESS), 'x.progress.json')).toEqual(PROGRESS);
  });

  it.each([
    ['{', new SyntaxError(`Cannot read run progress x.progress.json as it is not JSON: ${jsonError('{')}`)],
    ['[]', new TypeError('Cannot read run progress x.progress.json as it has no jobs and totals')],
    ['null', new TypeError('Cannot read run progress x.progress.json as it has no jobs and totals')],
    [
      JSON.stringify({ ...PROGRESS, schemaVersion: 2 }),
      new RangeError(
        'Cannot read run progress x.progress.json as its schemaVersion is 2: this version reads 1',
      ),
    ],
  ])('refuses %s', (text, error) => {
    expect(() => parseRunProgress(text, 'x.progress.json')).toThrow(error);
  });
});

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}
