import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStore } from './local-store.js';
import type { ObjectStore } from './object-store.js';
import { createRunReport, formatRunSummary, writeRunReport, type RunReportJob } from './run-report.js';

const jobs: RunReportJob[] = [
  { line: 1, status: 'generated', key: 'calm_1a2b3c4d.wav', bytes: 1_024_000, seconds: 4.5, error: null },
  { line: 2, status: 'skipped', key: 'rain_0f1e2d3c.wav', bytes: 512_000, seconds: 0, error: null },
  { line: 4, status: 'failed', key: 'storm_99aa88bb.wav', bytes: 0, seconds: 2, error: 'Triton unavailable' },
  { line: 6, status: 'invalid', key: null, bytes: 0, seconds: 0, error: 'prompts.txt:6:1: missing duration' },
];
const startedAt = new Date('2026-11-28T10:04:07.250Z');
const finishedAt = new Date('2026-11-28T10:04:19.750Z');

describe('run report', () => {
  it('computes the summary', () => {
    expect(createRunReport({ id: 'a1b2c3', startedAt, finishedAt, location: 's3://b/p/', jobs })).toEqual({
      id: 'a1b2c3',
      startedAt: '2026-11-28T10:04:07.250Z',
      finishedAt: '2026-11-28T10:04:19.750Z',
      location: 's3://b/p/',
      jobs,
      summary: { total: 4, generated: 1, skipped: 1, failed: 1, invalid: 1, bytes: 1_024_000, seconds: 12.5 },
    });
  });

  it('formats a short human summary', () => {
    const report = createRunReport({ id: 'a1b2c3', startedAt, finishedAt, location: 's3://b/p/', jobs });
    expect(formatRunSummary(report)).toBe(
      [
        'Run a1b2c3: 4 jobs in 12.5 s: 1 generated, 1 skipped, 1 failed, 1 invalid; 1.0 MB written to s3://b/p/',
        'line 4 (storm_99aa88bb.wav): failed: Triton unavailable',
        'line 6: invalid: prompts.txt:6:1: missing duration',
        '',
      ].join('\n'),
    );
  });

  it('leaves out invalid lines when asked (a console that listed them already)', () => {
    const report = createRunReport({ id: 'a1b2c3', startedAt, finishedAt, location: 's3://b/p/', jobs });
    expect(formatRunSummary(report, { listInvalid: false })).toBe(
      [
        'Run a1b2c3: 4 jobs in 12.5 s: 1 generated, 1 skipped, 1 failed, 1 invalid; 1.0 MB written to s3://b/p/',
        'line 4 (storm_99aa88bb.wav): failed: Triton unavailable',
        '',
      ].join('\n'),
    );
  });

  it('lists at most ten problems', () => {
    const many: RunReportJob[] = Array.from({ length: 12 }, (_, i) => ({
      line: i + 1,
      status: 'failed',
      key: `k${i}.wav`,
      bytes: 0,
      seconds: 0,
      error: 'x',
    }));
    const lines = formatRunSummary(
      createRunReport({ id: 'r', startedAt, finishedAt: startedAt, location: 'out', jobs: many }),
    ).split('\n');
    expect(lines[0]).toBe(
      'Run r: 12 jobs in 0.0 s: 0 generated, 0 skipped, 12 failed, 0 invalid; 0.0 MB written to out',
    );
    expect(lines.slice(10)).toEqual([
      'line 10 (k9.wav): failed: x',
      '... and 2 more failed or invalid jobs (see the JSON report)',
      '',
    ]);
  });

  it.each([
    [{ id: 'bad id' }, 'Cannot create run report: id must be 1 to 64 of [A-Za-z0-9_-]: got "bad id"'],
    [
      { finishedAt: new Date('2026-11-28T10:00:00Z') },
      'Cannot create run report: finishedAt is before startedAt: got -247.25 s',
    ],
  ])('rejects %j', (override, message) => {
    expect(() =>
      createRunReport({ id: 'a1', startedAt, finishedAt, location: 'out', jobs, ...override }),
    ).toThrow(new RangeError(message));
  });

  describe('writeRunReport', () => {
    let dir: string;
    let store: ObjectStore;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'musicgen-report-'));
      store = createLocalStore({ directory: dir });
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('stores the JSON and the summary under reports/', async () => {
      const report = createRunReport({ id: 'a1b2c3', startedAt, finishedAt, location: dir, jobs });
      expect(await writeRunReport(store, report)).toEqual({
        jsonKey: 'reports/20261128T100407Z-a1b2c3.json',
        textKey: 'reports/20261128T100407Z-a1b2c3.txt',
      });
      const read = async (key: string) =>
        Buffer.concat(await (await store.get(key)).body.toArray()).toString();
      expect(JSON.parse(await read('reports/20261128T100407Z-a1b2c3.json'))).toEqual(report);
      expect(await read('reports/20261128T100407Z-a1b2c3.txt')).toBe(formatRunSummary(report));
    });
  });
});
