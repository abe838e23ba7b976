import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePrompts } from '@musicgen/prompts';
import { createLocalStore, parseRunProgress, type ObjectStore, type RunProgress } from '@musicgen/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareJobs } from '../pipeline/prepare-jobs.js';
import { invalidLineErrors } from '../report/invalid-lines.js';
import { ProgressFile } from './progress-file.js';
import { ProgressModel } from './progress-model.js';

const TEXT = ['calm piano ; 10 ; calm', 'rain ; 4 ; rain', 'calm piano ; 10 ; calm', 'bad line'].join('\n');
const STARTED = new Date('2026-12-01T09:30:00.250Z');
const SETTINGS = { model: 'musicgen-preview', guidance: 3, topK: 250, topP: 0, temperature: 1 };

let dir: string;
let store: ObjectStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'musicgen-progress-file-'));
  store = createLocalStore({ directory: dir });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function setup(storeOverride?: ObjectStore, onWriteError?: (message: string) => void) {
  const parsed = await parsePrompts(TEXT, { source: 'p.txt', defaults: { modelId: 'musicgen-preview' } });
  const { jobs, duplicates } = prepareJobs(parsed.jobs, { index: 1, count: 1 });
  let t = 0;
  const progress = new ProgressModel({ jobsTotal: jobs.length, audioSecondsTotal: 14, now: () => t });
  const file = new ProgressFile({
    store: storeOverride ?? store,
    progress,
    run: { id: 'a1b2c3d4', startedAt: STARTED, prompts: 'p.txt', preview: true, model: 'musicgen-preview' },
    jobs,
    duplicates,
    invalid: invalidLineErrors('p.txt', parsed.errors),
    intervalMs: 60_000,
    clock: () => new Date(STARTED.getTime() + t),
    ...(onWriteError ? { onWriteError } : {}),
  });
  return { file, progress, jobs, advance: (ms: number) => (t += ms) };
}

async function stored(): Promise<RunProgress> {
  const got = await store.get('reports/20261201T093000Z-a1b2c3d4.progress.json');
  return parseRunProgress(Buffer.concat(await got.body.toArray()).toString(), 'progress');
}

describe('ProgressFile', () => {
  it('writes every line at the start, then jobs moving through their phases, then the outcomes', async () => {
    const { file, progress, jobs, advance } = await setup();
    const [calm, rain] = jobs as [(typeof jobs)[0], (typeof jobs)[0]];
    const calmLine = { prompt: 'calm piano', durationSeconds: 10, seed: calm.seed, settings: SETTINGS };
    const rainLine = { prompt: 'rain', durationSeconds: 4, seed: rain.seed, settings: SETTINGS };
    await file.start();
    const first = await stored();
    expect(first).toEqual({
      schemaVersion: 1,
      id: 'a1b2c3d4',
      startedAt: '2026-12-01T09:30:00.250Z',
      updatedAt: '2026-12-01T09:30:00.250Z',
      state: 'running',
      prompts: 'p.txt',
      location: dir,
      preview: true,
      model: 'musicgen-preview',
      totals: {
        jobs: 2,
        done: 0,
        generated: 0,
        skipped: 0,
        failed: 0,
        invalid: 1,
        fractionDone: 0,
        audioSecondsTotal: 14,
        audioSecondsDone: 0,
        audioSecondsPerSecond: 0,
        elapsedSeconds: 0,
        etaSeconds: null,
      },
      jobs: [
        { line: 1, key: calm.key, ...calmLine, state: 'queued' },
        { line: 2, key: rain.key, ...rainLine, state: 'queued' },
        { line: 3, key: calm.key, ...calmLine, state: 'queued' },
        {
          line: 4,
          key: null,
          state: 'invalid',
          error: 'p.txt:4:1: line must have the form PROMPT ; DURATION ; FILENAME: found "bad line"',
        },
      ],
    });

    progress.jobStarted({ line: 1, key: calm.key, frames: 500, windows: 1 });
    progress.phase(1, 'generating', 0);
    advance(2000);
    progress.framesDone(1, 250);
    progress.jobStarted({ line: 2, key: rain.key, frames: 200, windows: 1 });
    progress.phase(2, 'decoding');
    const running = file.snapshot('running');
    expect(running.jobs.slice(0, 3)).toEqual([
      {
        line: 1,
        key: calm.key,
        ...calmLine,
        state: 'generating',
        framesDone: 250,
        frames: 500,
        window: 1,
        windows: 1,
      },
      {
        line: 2,
        key: rain.key,
        ...rainLine,
        state: 'decoding',
        framesDone: 0,
        frames: 200,
        window: 1,
        windows: 1,
      },
      { line: 3, key: calm.key, ...calmLine, state: 'queued' },
    ]);
    expect(running.totals).toEqual({
      jobs: 2,
      done: 0,
      generated: 0,
      skipped: 0,
      failed: 0,
      invalid: 1,
      fractionDone: 0.1786, // 250 of 1400 frames: generating and finishing each count once
      audioSecondsTotal: 14,
      audioSecondsDone: 5,
      audioSecondsPerSecond: 2.5,
      elapsedSeconds: 2,
      etaSeconds: 9.2,
    });
    expect(running.updatedAt).toBe('2026-12-01T09:30:02.250Z');

    progress.jobFinished({ line: 1, key: calm.key, frames: 500 }, 'generated');
    progress.jobFinished({ line: 2, key: rain.key, frames: 200 }, 'failed', 'Triton unavailable');
    expect(file.snapshot('running').jobs.map((j) => [j.line, j.state, j.error])).toEqual([
      [1, 'generated', undefined],
      [2, 'failed', 'Triton unavailable'],
      [3, 'skipped', undefined],
      [4, 'invalid', 'p.txt:4:1: line must have the form PROMPT ; DURATION ; FILENAME: found "bad line"'],
    ]);

    await file.finish('finished', [
      { line: 1, status: 'generated', key: calm.key, bytes: 10, seconds: 1, error: null },
      { line: 2, status: 'failed', key: rain.key, bytes: 0, seconds: 1, error: 'Triton unavailable' },
      { line: 3, status: 'skipped', key: calm.key, bytes: 0, seconds: 0, error: null, reason: 'duplicate' },
    ]);
    const last = await stored();
    expect(last.state).toBe('finished');
    expect(last.jobs.map((j) => [j.line, j.state])).toEqual([
      [1, 'generated'],
      [2, 'failed'],
      [3, 'skipped'],
      [4, 'invalid'],
    ]);
    expect(last.totals.done).toBe(2);
  });

  it('tells once when the store refuses the file, and the run goes on', async () => {
    const said: string[] = [];
    const failing: ObjectStore = {
      ...store,
      put: () => Promise.reject(new Error('disk full')),
    };
    const { file } = await setup(failing, (message) => said.push(message));
    await file.start();
    await file.finish('interrupted', []);
    expect(said).toEqual([
      'Note: cannot write the progress file reports/20261201T093000Z-a1b2c3d4.progress.json (disk full); the run goes on, and the report is written at the end as usual',
    ]);
  });
});
