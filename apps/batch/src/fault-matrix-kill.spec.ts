import { cp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startPreviewEngine, type PreviewEngine } from '@musicgen/preview-engine';
import { AUDIO_METADATA_NAMES, createLocalStore } from '@musicgen/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliProcess, startCli, tempWorkspace } from './testing/cli-process.js';

/** Fixed, so every run kills at the same points: trials × seed are the test. */
const SEED = 20261201;
const TRIALS = 16;
const JOBS = 24;
/**
 * Kill points, after the command is started: the command takes about 1.5 s to start, then the engine
 * (100 frames/s per request, 4 at once) finishes a job every 125 ms or so for 3 s, each ending in a
 * replace of its WAV.
 */
const KILL_FROM_MS = 1_200;
const KILL_TO_MS = 4_500;
const WAV_BYTES = 44 + 50 * 640 * 2;
/**
 * Every rename and unlink of the command waits this long (a slow or loaded disk, injected at the file
 * layer): at disk speed a replace takes microseconds and kill points almost never land inside one.
 */
const SLOW_DISK_MS = 60;
const PRELOAD = join(import.meta.dirname, 'testing/fs-faults-preload.mjs');

/** mulberry32: a small seeded generator, so kill points are reproducible. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const prompts =
  Array.from({ length: JOBS }, (_, i) => `kill test texture ${i} ; 1 ; kill${i} ; seed=${i}`).join('\n') +
  '\n';

describe('fault matrix: kill -9 at seeded random points during --force over a complete store (slow disk)', () => {
  let ws: { dir: string; close(): Promise<void> };
  let engine: PreviewEngine;
  let identities: Map<string, string>;
  beforeAll(async () => {
    ws = await tempWorkspace(prompts);
    engine = await startPreviewEngine({ host: '127.0.0.1', framesPerSecond: 100 });
    const first = await runCliProcess(['--prompts', 'prompts.txt', '--triton', engine.url, '--json'], {
      cwd: ws.dir,
    });
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout) as { jobs: { key: string }[] };
    expect(report.jobs.length).toBe(JOBS);
    const store = createLocalStore({ directory: join(ws.dir, 'output') });
    identities = new Map();
    for (const { key } of report.jobs) {
      const identity = (await store.head(key))?.metadata[AUDIO_METADATA_NAMES.identityHash];
      expect(identity).toMatch(/^[0-9a-f]{64}$/);
      identities.set(key, identity ?? '');
    }
    await rm(join(ws.dir, 'output', 'reports'), { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await engine?.close();
    await ws?.close();
  });

  it(`loses no job in ${TRIALS} trials (seed ${SEED})`, async () => {
    const next = random(SEED);
    const figures = { trials: TRIALS, killedMidRun: 0, jobsChecked: 0, jobsLost: 0, partialsLeft: 0 };
    for (let trial = 0; trial < TRIALS; trial += 1) {
      const out = join(ws.dir, `trial-${trial}`);
      await cp(join(ws.dir, 'output'), out, { recursive: true });
      const killAfterMs = Math.round(KILL_FROM_MS + next() * (KILL_TO_MS - KILL_FROM_MS));
      const run = startCli(
        ['--prompts', 'prompts.txt', '--out', out, '--triton', engine.url, '--force', '--concurrency', '4'],
        {
          cwd: ws.dir,
          env: { NODE_OPTIONS: `--import=${PRELOAD}`, MUSICGEN_TEST_FS_DELAY_MS: String(SLOW_DISK_MS) },
        },
      );
      await new Promise((r) => setTimeout(r, killAfterMs));
      if (run.child.exitCode === null) {
        run.child.kill('SIGKILL');
        figures.killedMidRun += 1;
      }
      await run.done;
      // Every job of the complete store is still done: its WAV whole, with its own metadata.
      const store = createLocalStore({ directory: out });
      for (const [key, identity] of identities) {
        figures.jobsChecked += 1;
        const head = await store.head(key);
        const ok = head?.bytes === WAV_BYTES && head.metadata[AUDIO_METADATA_NAMES.identityHash] === identity;
        if (!ok) figures.jobsLost += 1;
        expect({
          trial,
          killAfterMs,
          key,
          bytes: head?.bytes,
          identity: head?.metadata[AUDIO_METADATA_NAMES.identityHash],
        }).toEqual({
          trial,
          killAfterMs,
          key,
          bytes: WAV_BYTES,
          identity,
        });
      }
      const partials = (await readdir(out, { recursive: true })).filter((f) => f.endsWith('.partial')).length;
      figures.partialsLeft += partials;
      if (partials > 0 && figures.partialsLeft === partials) {
        // The next run after a kill: nothing to make, and the killed run's partial files are removed.
        const next = await runCliProcess(
          ['--prompts', 'prompts.txt', '--out', out, '--triton', engine.url, '--json'],
          {
            cwd: ws.dir,
          },
        );
        expect([next.code, JSON.parse(next.stdout).summary.generated]).toEqual([0, 0]);
        expect(next.stderr).toContain(
          `Removed ${partials} partial file${partials === 1 ? '' : 's'} left by stopped runs in ${out}`,
        );
        expect((await readdir(out, { recursive: true })).filter((f) => f.endsWith('.partial'))).toEqual([]);
      }
      await rm(out, { recursive: true, force: true });
    }
    console.log(`fault matrix, kill -9: ${JSON.stringify(figures)}`);
    expect(figures).toMatchObject({ trials: TRIALS, jobsChecked: TRIALS * JOBS, jobsLost: 0 });
    // The kill points must land inside the runs, or the test proves nothing.
    expect(figures.killedMidRun).toBeGreaterThanOrEqual(TRIALS - 2);
  }, 300_000);
});
