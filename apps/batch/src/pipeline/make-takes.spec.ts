import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PreviewEngine } from '@musicgen/preview-engine';
import { startPreviewDouble } from '@musicgen/preview-engine/testing';
import { parsePrompts, type PromptJob } from '@musicgen/prompts';
import { decodeAudioMetadata, openStore, type ObjectStore, type RunReportQa } from '@musicgen/store';
import { TritonError } from '@musicgen/triton-client';
import { DEFAULT_QA_THRESHOLDS } from '@musicgen/wav';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBackend, type ConnectedBackend } from '../backend/connect-backend.js';
import type { GenerationBackend } from '../backend/generation-backend.js';
import { ProgressModel } from '../progress/progress-model.js';
import { runBatch } from './run-batch.js';

const SILENT: RunReportQa = {
  verdict: 'suspect',
  reasons: ['silent'],
  loudnessLufs: null,
  silenceRatio: 1,
  clippingRatio: 0,
  flatness: 0,
  repetition: 1,
};
const config = { force: true, format: 'pcm16', normalize: 'peak', maxAttempts: 2 } as const;

let job: PromptJob;
let engine: PreviewEngine;
let connected: ConnectedBackend;
let dir: string;
let store: ObjectStore;

beforeAll(async () => {
  [job] = (await parsePrompts('calm lofi piano ; 2 ; piano\n', { defaults: { modelId: 'musicgen-preview' } }))
    .jobs as [PromptJob];
  engine = await startPreviewDouble({ silentSeeds: [job.seed] });
  connected = await connectBackend([engine.url]);
  dir = await mkdtemp(join(tmpdir(), 'musicgen-takes-'));
  store = await openStore(dir);
});
afterAll(async () => {
  connected.close();
  await engine.close();
  await rm(dir, { recursive: true, force: true });
});

const run = (backend: GenerationBackend, rerolls: number) =>
  runBatch({
    jobs: [job],
    duplicates: [],
    config,
    concurrency: 1,
    backend,
    store,
    progress: new ProgressModel({ jobsTotal: 1, audioSecondsTotal: 2 }),
    signal: new AbortController().signal,
    retry: { initialDelayMs: 1, maxDelayMs: 1, maxAttempts: 2 },
    qa: { thresholds: DEFAULT_QA_THRESHOLDS, rerolls },
  });

describe('suspect takes in runBatch (a preview engine that makes a silent take for the job seed)', () => {
  it('stores a suspect take as it is when re-rolls are off (the default), with its QA and no attempts', async () => {
    const { entries } = await run(connected.backend, 0);
    expect(entries).toEqual([
      {
        line: 1,
        key: job.key,
        prompt: 'calm lofi piano',
        durationSeconds: 2,
        status: 'generated',
        bytes: 44 + 100 * 640 * 2,
        seconds: expect.any(Number),
        error: null,
        seed: job.seed,
        qa: SILENT,
        windows: 1,
        retries: 0,
      },
    ]);
  }, 60_000);

  it('stores the best take so far, with a warning, when a re-roll fails', async () => {
    const failing: GenerationBackend = {
      ...connected.backend,
      endpoints: connected.backend.endpoints,
      generateWindow: (request) =>
        Number(request.seed) === job.seed
          ? connected.backend.generateWindow(request)
          : Promise.reject(
              new TritonError({
                code: 3,
                details: 'bad seed',
                rpc: 'ModelStreamInfer',
                model: 'musicgen_lm',
              }),
            ),
      decode: (codes, options) => connected.backend.decode(codes, options),
    };
    const { entries } = await run(failing, 2);
    const [entry] = entries;
    expect([entry?.status, entry?.seed, entry?.qa, entry?.attempts, entry?.warnings]).toEqual([
      'generated',
      job.seed,
      SILENT,
      undefined,
      [
        `the re-roll with seed ${job.seed + 1} failed (INVALID_ARGUMENT: bad seed): kept the take of seed ${job.seed}`,
      ],
    ]);
    const head = await store.head(job.key);
    expect(decodeAudioMetadata(head?.metadata ?? {})?.seed).toBe(BigInt(job.seed));
  }, 60_000);
});
