import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalStore, type ObjectStore } from '@musicgen/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillPageStore, newerProgress, PAGE_STORE, SETTINGS } from '../testing/page-store.js';
import { findRuns, RunLibrary } from './run-library.js';
import { STOPPED_AFTER_MS, type TrackView } from './run-views.js';

let work: string;
let store: ObjectStore;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'musicgen-library-'));
  store = createLocalStore({ directory: work });
  await fillPageStore(store);
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const RENDERING = { format: 'pcm16', normalize: 'peak' };
const track = (fields: Partial<TrackView> & Pick<TrackView, 'line' | 'key' | 'status'>): TrackView => ({
  prompt: null,
  durationSeconds: null,
  seed: null,
  settings: null,
  rendering: null,
  error: null,
  reason: null,
  duplicateOf: null,
  warnings: [],
  qa: null,
  attempts: [],
  bytes: 0,
  seconds: 0,
  audio: false,
  activity: null,
  ...fields,
});

describe('findRuns', () => {
  it('pairs reports and progress files by name, newest first, and ignores everything else', () => {
    expect(
      findRuns([
        { key: 'reports/20261130T090000Z-run1.json' },
        { key: 'reports/20261130T090000Z-run1.txt' },
        { key: 'reports/20261201T100000Z-run2.progress.json' },
        { key: 'reports/20261201T100000Z-run2.json' },
        { key: 'reports/20261202T000000Z-run3.progress.json' },
        { key: 'reports/notes.json' },
      ]),
    ).toEqual([
      { id: 'run3', stamp: '20261202T000000Z', progressKey: 'reports/20261202T000000Z-run3.progress.json' },
      {
        id: 'run2',
        stamp: '20261201T100000Z',
        reportKey: 'reports/20261201T100000Z-run2.json',
        progressKey: 'reports/20261201T100000Z-run2.progress.json',
      },
      { id: 'run1', stamp: '20261130T090000Z', reportKey: 'reports/20261130T090000Z-run1.json' },
    ]);
  });
});

describe('RunLibrary', () => {
  it('lists the runs newest first with their summaries', async () => {
    const runs = await new RunLibrary({ store }).list();
    expect(
      runs.map((r) => [r.id, r.state, r.counts, r.audioSeconds, r.wallSeconds, r.preview, r.model]),
    ).toEqual([
      [
        'run2',
        'finished',
        { total: 4, generated: 1, skipped: 1, failed: 1, invalid: 1, suspect: 0 },
        1,
        12.5,
        true,
        'musicgen-preview',
      ],
      // a v1 report: no suspect count (read as 0), durations from the WAVs' metadata only when the run is opened
      [
        'run1',
        'finished',
        { total: 2, generated: 2, skipped: 0, failed: 0, invalid: 0, suspect: 0 },
        0,
        5,
        true,
        'musicgen-preview',
      ],
    ]);
  });

  it('shows a run of schema 2 with every line: prompt, duration, status, error, settings from the progress file', async () => {
    const run = await new RunLibrary({ store }).run('run2');
    expect(run?.reportSchemaVersion).toBe(2);
    expect(run?.tracks).toEqual([
      track({
        line: 1,
        key: PAGE_STORE.calm,
        status: 'generated',
        prompt: 'calm piano',
        durationSeconds: 1,
        seed: 1,
        settings: SETTINGS,
        rendering: RENDERING,
        bytes: PAGE_STORE.calmBytes,
        seconds: 2.5,
        audio: true,
      }),
      track({
        line: 2,
        key: 'storm_44444444.wav',
        status: 'failed',
        prompt: 'storm',
        durationSeconds: 2,
        seed: 9,
        settings: SETTINGS,
        error: 'UNAVAILABLE: Triton stopped answering',
        seconds: 3,
      }),
      track({
        line: 3,
        key: null,
        status: 'invalid',
        error: 'songs.txt:3:1: line must have the form PROMPT ; DURATION ; FILENAME: found "oops"',
      }),
      track({
        line: 4,
        key: PAGE_STORE.calm,
        status: 'skipped',
        prompt: 'calm piano',
        durationSeconds: 1,
        seed: 1,
        settings: SETTINGS,
        rendering: RENDERING,
        reason: 'duplicate',
        duplicateOf: 1,
        audio: true,
      }),
    ]);
    expect(run?.servers).toEqual([{ address: '127.0.0.1:8001', capacity: 16, facts: null }]);
  });

  it('reads a v1 report gracefully: prompts, durations and seeds from the WAVs it names', async () => {
    const run = await new RunLibrary({ store }).run('run1');
    expect([run?.reportSchemaVersion, run?.audioSeconds]).toEqual([2, 1.5]);
    expect(run?.tracks).toEqual([
      track({
        line: 1,
        key: PAGE_STORE.rain,
        status: 'generated',
        prompt: 'soft rain',
        durationSeconds: 0.5,
        seed: 5,
        rendering: RENDERING,
        bytes: 32044,
        seconds: 1.2,
        audio: true,
      }),
      track({
        line: 2,
        key: PAGE_STORE.calmOther,
        status: 'generated',
        prompt: 'calm piano',
        durationSeconds: 1,
        seed: 2,
        rendering: RENDERING,
        bytes: 64044,
        seconds: 1.3,
        audio: true,
      }),
    ]);
  });

  it('finds every take of a prompt over all runs, one per WAV', async () => {
    const takes = await new RunLibrary({ store }).takes(' calm piano ');
    expect(takes.map((t) => [t.runId, t.line, t.key, t.seed])).toEqual([
      ['run2', 1, PAGE_STORE.calm, 1],
      ['run1', 2, PAGE_STORE.calmOther, 2],
    ]);
  });

  it('shows a run that has only its progress file as running, then as stopped once the file stops changing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'musicgen-library-live-'));
    try {
      const live = createLocalStore({ directory: dir });
      const progress = newerProgress('running', '2026-12-01T10:00:05.000Z');
      progress.jobs[0] = {
        ...progress.jobs[0],
        state: 'generating',
        framesDone: 20,
        frames: 50,
        window: 1,
        windows: 1,
      } as never;
      await live.put(PAGE_STORE.newer.progressKey, Buffer.from(JSON.stringify(progress)));
      const at = (ms: number) =>
        new RunLibrary({ store: live, now: () => Date.parse('2026-12-01T10:00:05.000Z') + ms });
      const running = await at(1000).run('run2');
      expect([
        running?.state,
        running?.finishedAt,
        running?.progress,
        running?.tracks[0]?.status,
        running?.tracks[0]?.activity,
      ]).toEqual([
        'running',
        null,
        progress.totals,
        'generating',
        { framesDone: 20, frames: 50, window: 1, windows: 1 },
      ]);
      expect((await at(STOPPED_AFTER_MS + 1).list())[0]?.state).toBe('stopped');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
