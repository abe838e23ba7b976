import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPreviewEngine, type PreviewEngine } from '@musicgen/preview-engine';
import { parsePrompts } from '@musicgen/prompts';
import { decodeAudioMetadata, openStore, type ObjectStore } from '@musicgen/store';
import { windowSeed } from '@musicgen/chunking';
import { concatCodes, sliceCodes, type Codes } from '@musicgen/contract';
import { TritonError, type GenerateWindowRequest } from '@musicgen/triton-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBackend, type ConnectedBackend } from '../backend/connect-backend.js';
import type { GenerationBackend } from '../backend/generation-backend.js';
import { ProgressModel } from '../progress/progress-model.js';
import { prepareJobs } from './prepare-jobs.js';
import { runBatch } from './run-batch.js';

let engine: PreviewEngine;
let connected: ConnectedBackend;
let dir: string;
let store: ObjectStore;

beforeAll(async () => {
  engine = await startPreviewEngine({ host: '127.0.0.1', port: 0 });
  connected = await connectBackend([engine.url]);
  dir = await mkdtemp(join(tmpdir(), 'musicgen-run-batch-'));
  store = await openStore(dir);
});
afterAll(async () => {
  connected.close();
  await engine.close();
  await rm(dir, { recursive: true, force: true });
});

interface Recorded {
  text: string;
  frames: number;
  promptCodes: Codes | undefined;
  codes: Codes;
}

/** The real backend, recording every window request it sends and the codes that came back. */
function recording(inner: GenerationBackend, options: { poison?: string } = {}) {
  const windows: Recorded[] = [];
  let inFlight = 0;
  let peak = 0;
  const backend: GenerationBackend = {
    endpoints: inner.endpoints,
    async generateWindow(request: GenerateWindowRequest) {
      if (request.text === options.poison) {
        throw new TritonError({
          code: 3,
          details: 'TEXT is poison',
          rpc: 'ModelStreamInfer',
          model: 'musicgen_lm',
        });
      }
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      try {
        const codes = await inner.generateWindow(request);
        windows.push({ text: request.text, frames: request.frames, promptCodes: request.promptCodes, codes });
        return codes;
      } finally {
        inFlight -= 1;
      }
    },
    decode: (codes, opts) => inner.decode(codes, opts),
  };
  return { backend, windows, peak: () => peak };
}

const config = { force: false, format: 'pcm16', normalize: 'peak', maxAttempts: 3 } as const;

describe('runBatch against the preview engine over gRPC', () => {
  it('sends each window exactly what its job asks and stores the exact metadata', async () => {
    const { jobs } = await parsePrompts(
      'slow strings ; 31 ; strings ; seed=5 guidance=4 top_k=40 top_p=0.5 temperature=0.8\n',
      {
        defaults: { modelId: 'musicgen-preview' },
      },
    );
    const job = jobs[0] as (typeof jobs)[number];
    const sent: Omit<GenerateWindowRequest, 'signal' | 'onProgress'>[] = [];
    const backend: GenerationBackend = {
      endpoints: connected.backend.endpoints,
      generateWindow: ({ signal, onProgress: _onProgress, ...request }) => {
        sent.push(request);
        return connected.backend.generateWindow({ ...request, ...(signal ? { signal } : {}) });
      },
      decode: (codes, opts) => connected.backend.decode(codes, opts),
    };
    const served = { weights: 'preview', revision: null, dtypes: 'none' };
    await runBatch({
      jobs,
      duplicates: [],
      config: { ...config, force: true },
      concurrency: 1,
      backend,
      store,
      progress: new ProgressModel({ jobsTotal: 1, audioSecondsTotal: 31 }),
      signal: new AbortController().signal,
      served,
    });
    const sampling = { guidance: 4, topK: 40, topP: 0.5, temperature: 0.8 };
    expect(
      sent.map(({ promptCodes, ...rest }) => ({ ...rest, promptFrames: promptCodes?.frames ?? 0 })),
    ).toEqual([
      { text: 'slow strings', frames: 1500, seed: 5, ...sampling, promptFrames: 0 },
      { text: 'slow strings', frames: 50, seed: windowSeed(5, 1), ...sampling, promptFrames: 600 },
    ]);
    const head = await store.head(job.key);
    expect(decodeAudioMetadata(head?.metadata ?? {})).toEqual({
      prompt: 'slow strings',
      promptTruncated: false,
      durationSeconds: 31,
      model: 'musicgen-preview',
      seed: 5n,
      identityHash: job.identityHash,
      served,
      rendering: { format: 'pcm16', normalize: 'peak' },
    });
  }, 120_000);

  it('continues each window from the last 600 frames of the previous one and stores frames × 640 samples', async () => {
    const { jobs } = await parsePrompts('long drone ; 61 ; drone ; seed=21\n', {
      defaults: { modelId: 'musicgen-preview' },
    });
    const rec = recording(connected.backend);
    const progress = new ProgressModel({ jobsTotal: 1, audioSecondsTotal: 61 });
    const { entries } = await runBatch({
      jobs,
      duplicates: [],
      config,
      concurrency: 2,
      backend: rec.backend,
      store,
      progress,
      signal: new AbortController().signal,
    });
    expect(entries.map((e) => [e.status, e.windows])).toEqual([['generated', 3]]);
    expect(rec.windows.map((w) => [w.frames, w.promptCodes?.frames ?? 0])).toEqual([
      [1500, 0],
      [900, 600],
      [650, 600],
    ]);
    for (let i = 1; i < rec.windows.length; i++) {
      const previous = rec.windows[i - 1] as Recorded;
      const whole = previous.promptCodes
        ? concatCodes([previous.promptCodes, previous.codes])
        : previous.codes;
      const expected = sliceCodes(whole, whole.frames - 600, whole.frames);
      expect(rec.windows[i]?.promptCodes?.data).toEqual(expected.data);
    }
    const head = await store.head(jobs[0]?.key as string);
    expect(head?.bytes).toBe(44 + 3050 * 640 * 2);
  }, 120_000);

  it('generates again a stored job whose WAV format or normalisation differs from the request', async () => {
    const { jobs } = await parsePrompts('format change ; 1 ; fmt ; seed=3\n', {
      defaults: { modelId: 'musicgen-preview' },
    });
    const job = jobs[0] as (typeof jobs)[number];
    const run = async (format: 'pcm16' | 'pcm24', normalize: 'peak' | 'none') => {
      const notes: string[] = [];
      const progress = new ProgressModel({ jobsTotal: 1, audioSecondsTotal: 1 });
      progress.subscribe((event) => {
        if (event.kind === 'note') notes.push(event.message);
      });
      const { entries } = await runBatch({
        jobs,
        duplicates: [],
        config: { ...config, format, normalize },
        concurrency: 1,
        backend: connected.backend,
        store,
        progress,
        signal: new AbortController().signal,
      });
      const head = await store.head(job.key);
      return [
        entries.map((e) => e.status),
        head?.bytes,
        decodeAudioMetadata(head?.metadata ?? {})?.rendering,
        notes,
      ];
    };
    expect(await run('pcm16', 'peak')).toEqual([
      ['generated'],
      44 + 50 * 640 * 2,
      { format: 'pcm16', normalize: 'peak' },
      [],
    ]);
    expect(await run('pcm16', 'peak')).toEqual([
      ['skipped'],
      44 + 50 * 640 * 2,
      { format: 'pcm16', normalize: 'peak' },
      [],
    ]);
    expect(await run('pcm24', 'peak')).toEqual([
      ['generated'],
      44 + 50 * 640 * 3,
      { format: 'pcm24', normalize: 'peak' },
      [
        `line 1 ${job.key}: stored as pcm16 with peak normalisation, asked for pcm24 with peak: generating it again`,
      ],
    ]);
    expect((await run('pcm24', 'none'))[0]).toEqual(['generated']);
  }, 120_000);

  it('warns when the server truncated a prompt, and records it with the job', async () => {
    const prompt = Array.from({ length: 70 }, (_, i) => `w${i}`).join(' ');
    const { jobs } = await parsePrompts(`${prompt} ; 1 ; long\nshort prompt ; 1 ; short\n`, {
      defaults: { modelId: 'musicgen-preview' },
    });
    const notes: string[] = [];
    const progress = new ProgressModel({ jobsTotal: 2, audioSecondsTotal: 2 });
    progress.subscribe((event) => {
      if (event.kind === 'note') notes.push(event.message);
    });
    const { entries } = await runBatch({
      jobs,
      duplicates: [],
      config: { ...config, force: true },
      concurrency: 2,
      backend: connected.backend,
      store,
      progress,
      signal: new AbortController().signal,
    });
    const warning =
      "the server read 64 of the prompt's 71 tokens (its max_text_tokens): the rest does not shape the music";
    expect(entries.map((e) => [e.line, e.status, e.warnings])).toEqual([
      [1, 'generated', [warning]],
      [2, 'generated', undefined],
    ]);
    expect(notes).toEqual([`line 1 ${jobs[0]?.key}: ${warning}`]);
  }, 120_000);

  it('keeps going when one job fails, and never has more windows in flight than the concurrency', async () => {
    const text =
      Array.from({ length: 8 }, (_, i) => `piece ${i} ; 1 ; piece${i} ; seed=${i}`).join('\n') +
      '\npoison ; 1 ; poison\n';
    const { jobs } = await parsePrompts(text, { defaults: { modelId: 'musicgen-preview' } });
    const prepared = prepareJobs(jobs);
    const rec = recording(connected.backend, { poison: 'poison' });
    const { entries, occupancy } = await runBatch({
      ...prepared,
      config: { ...config, force: true },
      concurrency: 3,
      backend: rec.backend,
      store,
      progress: new ProgressModel({ jobsTotal: 9, audioSecondsTotal: 9 }),
      signal: new AbortController().signal,
    });
    expect(entries.map((e) => e.status)).toEqual([...Array(8).fill('generated'), 'failed']);
    expect(entries[8]?.error).toBe('INVALID_ARGUMENT: TEXT is poison');
    expect(rec.peak()).toBe(3);
    expect([occupancy.capacity, occupancy.peakInFlight, occupancy.windowsStarted]).toEqual([3, 3, 9]);
  }, 120_000);

  it('prints no listener-leak warning with many jobs on one run signal', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const text = Array.from({ length: 14 }, (_, i) => `many ${i} ; 0.2 ; many${i}`).join('\n');
      const { jobs } = await parsePrompts(text, { defaults: { modelId: 'musicgen-preview' } });
      const { entries } = await runBatch({
        jobs,
        duplicates: [],
        config: { ...config, force: true },
        concurrency: 14,
        backend: connected.backend,
        store,
        progress: new ProgressModel({ jobsTotal: 14, audioSecondsTotal: 2.8 }),
        signal: new AbortController().signal,
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect([entries.filter((e) => e.status === 'generated').length, warnings]).toEqual([14, []]);
    } finally {
      process.off('warning', onWarning);
    }
  }, 120_000);
});
