import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStore } from './local-store.js';
import type { ObjectStore } from './object-store.js';
import {
  createRunReport,
  formatQaFigures,
  formatRunSummary,
  readRunReport,
  writeRunReport,
  type RunReportJob,
  type RunReportQa,
} from './run-report.js';

const silentQa: RunReportQa = {
  verdict: 'suspect',
  reasons: ['silent'],
  loudnessLufs: null,
  silenceRatio: 1,
  clippingRatio: 0,
  flatness: 0,
  repetition: 0,
};
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
      schemaVersion: 2,
      id: 'a1b2c3',
      startedAt: '2026-11-28T10:04:07.250Z',
      finishedAt: '2026-11-28T10:04:19.750Z',
      location: 's3://b/p/',
      jobs,
      summary: {
        total: 4,
        generated: 1,
        skipped: 1,
        failed: 1,
        invalid: 1,
        suspect: 0,
        bytes: 1_024_000,
        seconds: 12.5,
      },
    });
  });

  it('counts the generated takes the QA calls suspect', () => {
    const okQa: RunReportQa = { ...silentQa, verdict: 'ok', reasons: [], loudnessLufs: -14.2 };
    const assessed: RunReportJob[] = [
      { ...(jobs[0] as RunReportJob), prompt: 'calm piano', durationSeconds: 10, seed: 7, qa: silentQa },
      { ...(jobs[0] as RunReportJob), line: 2, key: 'b_00000000.wav', qa: okQa },
      { ...(jobs[0] as RunReportJob), line: 3, key: 'c_00000000.wav', qa: silentQa },
    ];
    const report = createRunReport({ id: 'a1', startedAt, finishedAt, location: 'out', jobs: assessed });
    expect(report.summary).toEqual({
      total: 3,
      generated: 3,
      skipped: 0,
      failed: 0,
      invalid: 0,
      suspect: 2,
      bytes: 3_072_000,
      seconds: 12.5,
    });
    expect(formatRunSummary(report)).toBe(
      [
        'Run a1: 3 jobs in 12.5 s: 3 generated (2 suspect), 0 skipped, 0 failed, 0 invalid; 3.1 MB written to out',
        'line 1 (calm_1a2b3c4d.wav): suspect (advisory): silent; loudness none (silence), silence 1, clipping 0, flatness 0, repetition 0',
        'line 3 (c_00000000.wav): suspect (advisory): silent; loudness none (silence), silence 1, clipping 0, flatness 0, repetition 0',
        '',
      ].join('\n'),
    );
  });

  it('formats the QA figures on one line', () => {
    expect(
      formatQaFigures({
        verdict: 'suspect',
        reasons: ['noise', 'repetitive'],
        loudnessLufs: -20.5,
        silenceRatio: 0.02,
        clippingRatio: 0.000125,
        flatness: 0.561,
        repetition: 0.9,
      }),
    ).toBe('loudness -20.5 LUFS, silence 0.02, clipping 0.000125, flatness 0.561, repetition 0.9');
  });

  it('lists at most ten suspect takes', () => {
    const many: RunReportJob[] = Array.from({ length: 11 }, (_, i) => ({
      line: i + 1,
      status: 'generated',
      key: `k${i}.wav`,
      bytes: 0,
      seconds: 0,
      error: null,
      qa: silentQa,
    }));
    const lines = formatRunSummary(
      createRunReport({ id: 'r', startedAt, finishedAt: startedAt, location: 'out', jobs: many }),
    ).split('\n');
    expect(lines.slice(10)).toEqual([
      'line 10 (k9.wav): suspect (advisory): silent; loudness none (silence), silence 1, clipping 0, flatness 0, repetition 0',
      '... and 1 more suspect takes (see the JSON report)',
      '',
    ]);
  });

  it('formats a short human summary', () => {
    const report = createRunReport({ id: 'a1b2c3', startedAt, finishedAt, location: 's3://b/p/', jobs });
    expect(formatRunSummary(report)).toBe(
      [
        'Run a1b2c3: 4 jobs in 12.5 s: 1 generated (0 suspect), 1 skipped, 1 failed, 1 invalid; 1.0 MB written to s3://b/p/',
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
        'Run a1b2c3: 4 jobs in 12.5 s: 1 generated (0 suspect), 1 skipped, 1 failed, 1 invalid; 1.0 MB written to s3://b/p/',
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
      'Run r: 12 jobs in 0.0 s: 0 generated (0 suspect), 0 skipped, 12 failed, 0 invalid; 0.0 MB written to out',
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

  describe('readRunReport', () => {
    const v1 = {
      id: 'a1b2c3',
      startedAt: '2026-11-28T10:04:07.250Z',
      finishedAt: '2026-11-28T10:04:19.750Z',
      location: 's3://b/p/',
      jobs,
      summary: { total: 4, generated: 1, skipped: 1, failed: 1, invalid: 1, bytes: 1_024_000, seconds: 12.5 },
      preview: false,
    };

    it('reads a current report as it is', () => {
      const report = createRunReport({ id: 'a1b2c3', startedAt, finishedAt, location: 's3://b/p/', jobs });
      expect(readRunReport(JSON.parse(JSON.stringify(report)))).toEqual(report);
    });

    it('reads a v1 report (no schemaVersion) as v2 with nothing assessed', () => {
      expect(readRunReport(v1)).toEqual({
        schemaVersion: 2,
        ...v1,
        summary: { ...v1.summary, suspect: 0 },
      });
    });

    it.each([
      [
        null,
        new SyntaxError(
          'Cannot read the run report as it is not one: expected an object with a jobs list and a summary',
        ),
      ],
      [
        { jobs: [] },
        new SyntaxError(
          'Cannot read the run report as it is not one: expected an object with a jobs list and a summary',
        ),
      ],
      [
        { ...v1, schemaVersion: 3 },
        new RangeError(
          'Cannot read the run report as its schemaVersion is not one this reader knows (1 or 2): current value is 3',
        ),
      ],
      [
        { ...v1, schemaVersion: '2' },
        new RangeError(
          'Cannot read the run report as its schemaVersion is not one this reader knows (1 or 2): current value is "2"',
        ),
      ],
    ])('refuses %j', (value, error) => {
      expect(() => readRunReport(value)).toThrow(error);
    });
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
