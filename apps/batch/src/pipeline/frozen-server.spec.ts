import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPreviewEngine, type PreviewEngine } from '@musicgen/preview-engine';
import { startPreviewProcess, type PreviewProcess } from '@musicgen/preview-engine/testing';
import { parsePrompts } from '@musicgen/prompts';
import { openStore, type ObjectStore } from '@musicgen/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectBackend, type ConnectedBackend } from '../backend/connect-backend.js';
import { ProgressModel } from '../progress/progress-model.js';
import { runBatch } from './run-batch.js';

/**
 * A Triton frozen with SIGSTOP keeps its connections open and answers nothing. The batch must fail
 * the windows sent to it within their liveness timeout (here 1 s: the server answers every 100 ms),
 * retry them on another endpoint when there is one, and finish the run either way.
 */
const FLAGS = [
  '--liveness-interval-ms',
  '100',
  '--frames-per-second',
  '150',
  '--max-concurrent-requests',
  '4',
];
const SILENT =
  'DEADLINE_EXCEEDED: no response within 1000 ms: the server stopped answering (frozen, overloaded or cut off)';

let frozen: PreviewProcess;
let connected: ConnectedBackend | undefined;
let healthy: PreviewEngine | undefined;
let dir: string;
let store: ObjectStore;

beforeEach(async () => {
  frozen = await startPreviewProcess(FLAGS);
  dir = await mkdtemp(join(tmpdir(), 'musicgen-frozen-'));
  store = await openStore(dir);
}, 60_000);
afterEach(async () => {
  connected?.close();
  await frozen.stop();
  await healthy?.close();
  await rm(dir, { recursive: true, force: true });
});

async function run(text: string, maxAttempts: number) {
  const { jobs } = await parsePrompts(text, { defaults: { modelId: 'musicgen-preview' } });
  const started = performance.now();
  const { entries } = await runBatch({
    jobs,
    duplicates: [],
    config: { force: false, format: 'pcm16', normalize: 'peak', maxAttempts },
    concurrency: 4,
    backend: (connected as ConnectedBackend).backend,
    store,
    progress: new ProgressModel({ jobsTotal: jobs.length, audioSecondsTotal: jobs.length * 2 }),
    signal: new AbortController().signal,
    retry: { initialDelayMs: 50, maxDelayMs: 200, maxAttempts }, // maxAttempts: the config's wins
  });
  return { entries, seconds: (performance.now() - started) / 1000 };
}

describe('a Triton frozen with SIGSTOP during a run', () => {
  it('fails the windows on it within the liveness timeout, and the run moves on to its end', async () => {
    connected = await connectBackend([frozen.address]);
    const pending = run('one ; 4 ; one\ntwo ; 4 ; two\n', 2);
    setTimeout(() => frozen.freeze(), 300); // both windows are generating by then
    const { entries, seconds } = await pending;
    expect(entries.map(({ line, status, error, retries }) => ({ line, status, error, retries }))).toEqual([
      { line: 1, status: 'failed', error: SILENT, retries: 1 },
      { line: 2, status: 'failed', error: SILENT, retries: 1 },
    ]);
    // two attempts of one second of silence each, and the backoff: far from the minutes it took before
    expect(seconds).toBeLessThan(8);
  }, 60_000);

  it('retries the windows of a frozen endpoint on the other one: every job is generated', async () => {
    healthy = await startPreviewEngine({
      livenessIntervalMs: 100,
      framesPerSecond: 150,
      maxConcurrentRequests: 4,
    });
    connected = await connectBackend([frozen.address, healthy.url]);
    const text = Array.from({ length: 6 }, (_, i) => `piece ${i} ; 3 ; piece${i}`).join('\n');
    // Five attempts: on a loaded machine a window on the healthy engine can also miss its liveness
    // deadline once; the property under test is that the frozen endpoint's windows end up generated.
    const pending = run(text, 5);
    setTimeout(() => frozen.freeze(), 300);
    const { entries, seconds } = await pending;
    expect(entries.map((e) => e.status)).toEqual(Array(6).fill('generated'));
    expect(entries.reduce((sum, e) => sum + (e.retries ?? 0), 0)).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThan(20);
  }, 60_000);
});
