import { describe, expect, it } from 'vitest';
import { buildReport } from './build-report.js';

describe('buildReport', () => {
  it('merges outcomes and bad lines by line, with the summary counts', () => {
    const report = buildReport({
      id: 'abc123',
      startedAt: new Date('2026-11-28T10:00:00Z'),
      finishedAt: new Date('2026-11-28T10:00:12.5Z'),
      location: '/out',
      prompts: 'p.txt',
      jobs: [
        {
          line: 4,
          status: 'generated',
          key: 'b_22222222.wav',
          bytes: 100,
          seconds: 3,
          error: null,
          windows: 1,
          retries: 0,
        },
        {
          line: 1,
          status: 'skipped',
          key: 'a_11111111.wav',
          bytes: 0,
          seconds: 0,
          error: null,
          reason: 'exists',
        },
        {
          line: 6,
          status: 'skipped',
          key: 'b_22222222.wav',
          bytes: 0,
          seconds: 0,
          error: null,
          reason: 'duplicate',
          duplicateOf: 4,
        },
        {
          line: 7,
          status: 'failed',
          key: 'c_33333333.wav',
          bytes: 0,
          seconds: 1,
          error: 'interrupted',
          reason: 'interrupted',
        },
      ],
      lineErrors: [
        { line: 3, column: 5, message: 'duration must be greater than 0: found "0"' },
        { line: 3, column: 9, message: 'file name is empty: found ""' },
      ],
      omittedErrors: 0,
      interrupted: 'SIGINT',
      preview: true,
      model: 'musicgen-preview',
      servers: [
        {
          address: '127.0.0.1:8001',
          capacity: 16,
          capacitySource: 'fallback',
          peakInFlight: 12,
          meanInFlight: 9.5,
          facts: null,
        },
      ],
    });
    expect(report).toEqual({
      schemaVersion: 2,
      id: 'abc123',
      startedAt: '2026-11-28T10:00:00.000Z',
      finishedAt: '2026-11-28T10:00:12.500Z',
      location: '/out',
      prompts: 'p.txt',
      interrupted: 'SIGINT',
      preview: true,
      omittedInvalidLines: 0,
      model: 'musicgen-preview',
      servers: [
        {
          address: '127.0.0.1:8001',
          capacity: 16,
          capacitySource: 'fallback',
          peakInFlight: 12,
          meanInFlight: 9.5,
          facts: null,
        },
      ],
      jobs: [
        {
          line: 1,
          status: 'skipped',
          key: 'a_11111111.wav',
          bytes: 0,
          seconds: 0,
          error: null,
          reason: 'exists',
        },
        {
          line: 3,
          status: 'invalid',
          key: null,
          bytes: 0,
          seconds: 0,
          error:
            'p.txt:3:5: duration must be greater than 0: found "0"; p.txt:3:9: file name is empty: found ""',
        },
        {
          line: 4,
          status: 'generated',
          key: 'b_22222222.wav',
          bytes: 100,
          seconds: 3,
          error: null,
          windows: 1,
          retries: 0,
        },
        {
          line: 6,
          status: 'skipped',
          key: 'b_22222222.wav',
          bytes: 0,
          seconds: 0,
          error: null,
          reason: 'duplicate',
          duplicateOf: 4,
        },
        {
          line: 7,
          status: 'failed',
          key: 'c_33333333.wav',
          bytes: 0,
          seconds: 1,
          error: 'interrupted',
          reason: 'interrupted',
        },
      ],
      summary: {
        total: 5,
        generated: 1,
        skipped: 2,
        failed: 1,
        invalid: 1,
        suspect: 0,
        bytes: 100,
        seconds: 12.5,
      },
    });
  });

  it("counts lines beyond the parser's error limit as invalid in the summary", () => {
    const report = buildReport({
      id: 'abc123',
      startedAt: new Date('2026-11-28T10:00:00Z'),
      finishedAt: new Date('2026-11-28T10:00:01Z'),
      location: '/out',
      prompts: 'p.txt',
      jobs: [],
      lineErrors: [{ line: 1, column: 1, message: 'duration is missing: found ""' }],
      omittedErrors: 99_999,
      interrupted: null,
      preview: false,
      model: 'facebook/musicgen-medium',
      servers: [],
    });
    expect([report.summary.total, report.summary.invalid, report.omittedInvalidLines]).toEqual([
      100_000, 100_000, 99_999,
    ]);
  });

  it('lists the warnings of a line, and those of its run, with its entry', () => {
    const job = { status: 'generated' as const, bytes: 10, seconds: 1, error: null };
    const report = buildReport({
      id: 'w',
      startedAt: new Date('2026-11-28T10:00:00Z'),
      finishedAt: new Date('2026-11-28T10:00:01Z'),
      location: '/out',
      prompts: 'p.txt',
      jobs: [
        { ...job, line: 1, key: 'song.mp3_11111111.wav' },
        {
          ...job,
          line: 2,
          key: 'long_22222222.wav',
          warnings: ['prompt truncated: 80 T5 tokens, the model read 64'],
        },
        { ...job, line: 3, key: 'c_33333333.wav' },
      ],
      lineErrors: [],
      lineWarnings: [{ line: 1, column: 9, message: 'filename ends in ".mp3"' }],
      omittedErrors: 0,
      interrupted: null,
      preview: false,
      model: 'm',
      servers: [],
    });
    expect(report.jobs.map((j) => [j.line, j.warnings])).toEqual([
      [1, ['p.txt:1:9: filename ends in ".mp3"']],
      [2, ['prompt truncated: 80 T5 tokens, the model read 64']],
      [3, undefined],
    ]);
  });
});
