import { encodeAudioMetadata, type ObjectStore, type RunProgress } from '@musicgen/store';
import { encodeWav } from '@musicgen/wav';

/** A sine of `seconds` at `hz`, half scale, 32 kHz, as a 16-bit WAV. */
export function sineWav(seconds: number, hz: number): Uint8Array {
  const rate = 32000;
  const samples = Float32Array.from(
    { length: Math.round(seconds * rate) },
    (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / rate),
  );
  return encodeWav([samples], { sampleRate: rate, format: 'pcm16' });
}

const IDENTITY = (c: string) => c.repeat(64);
export const SETTINGS = { model: 'musicgen-preview', guidance: 3, topK: 250, topP: 0, temperature: 1 };

/** The objects a page test store holds: two runs (a v2 report with a progress file, a v1 report). */
export const PAGE_STORE = {
  newer: {
    id: 'run2',
    reportKey: 'reports/20261201T100000Z-run2.json',
    progressKey: 'reports/20261201T100000Z-run2.progress.json',
  },
  older: { id: 'run1', reportKey: 'reports/20261130T090000Z-run1.json' },
  calm: 'calm_11111111.wav',
  calmOther: 'calm_33333333.wav',
  rain: 'rain_22222222.wav',
  /** 1 s of 440 Hz: 44 + 64000 bytes. */
  calmBytes: 64044,
} as const;

/** The newer run's report: one generated, one failed, one invalid line, one duplicate. */
export const NEWER_REPORT = {
  schemaVersion: 2,
  id: 'run2',
  startedAt: '2026-12-01T10:00:00.000Z',
  finishedAt: '2026-12-01T10:00:12.500Z',
  location: 'test-store',
  prompts: 'songs.txt',
  interrupted: null,
  preview: true,
  model: 'musicgen-preview',
  omittedInvalidLines: 0,
  servers: [{ address: '127.0.0.1:8001', capacity: 16, capacitySource: 'facts', facts: null }],
  jobs: [
    {
      line: 1,
      status: 'generated',
      key: PAGE_STORE.calm,
      bytes: PAGE_STORE.calmBytes,
      seconds: 2.5,
      error: null,
      prompt: 'calm piano',
      durationSeconds: 1,
      seed: 1,
    },
    {
      line: 2,
      status: 'failed',
      key: 'storm_44444444.wav',
      bytes: 0,
      seconds: 3,
      error: 'UNAVAILABLE: Triton stopped answering',
      prompt: 'storm',
      durationSeconds: 2,
      seed: 9,
    },
    {
      line: 3,
      status: 'invalid',
      key: null,
      bytes: 0,
      seconds: 0,
      error: 'songs.txt:3:1: line must have the form PROMPT ; DURATION ; FILENAME: found "oops"',
    },
    {
      line: 4,
      status: 'skipped',
      key: PAGE_STORE.calm,
      bytes: 0,
      seconds: 0,
      error: null,
      reason: 'duplicate',
      duplicateOf: 1,
      prompt: 'calm piano',
      durationSeconds: 1,
      seed: 1,
    },
  ],
  summary: {
    total: 4,
    generated: 1,
    skipped: 1,
    failed: 1,
    invalid: 1,
    suspect: 0,
    bytes: PAGE_STORE.calmBytes,
    seconds: 12.5,
  },
};

/** The older run's report, as the batch wrote it before schema 2: no prompts, durations or seeds. */
export const OLDER_REPORT = {
  id: 'run1',
  startedAt: '2026-11-30T09:00:00.000Z',
  finishedAt: '2026-11-30T09:00:05.000Z',
  location: 'test-store',
  jobs: [
    { line: 1, key: PAGE_STORE.rain, status: 'generated', bytes: 32044, seconds: 1.2, error: null },
    { line: 2, key: PAGE_STORE.calmOther, status: 'generated', bytes: 64044, seconds: 1.3, error: null },
  ],
  summary: { total: 2, generated: 2, skipped: 0, failed: 0, invalid: 0, bytes: 96088, seconds: 5 },
  prompts: 'old.txt',
  interrupted: null,
  preview: true,
  model: 'musicgen-preview',
  servers: [],
};

/** A progress file: the given state, every line of the newer run with its settings. */
export function newerProgress(state: RunProgress['state'], updatedAt: string): RunProgress {
  return {
    schemaVersion: 1,
    id: 'run2',
    startedAt: '2026-12-01T10:00:00.000Z',
    updatedAt,
    state,
    prompts: 'songs.txt',
    location: 'test-store',
    preview: true,
    model: 'musicgen-preview',
    totals: {
      jobs: 2,
      done: 2,
      generated: 1,
      skipped: 0,
      failed: 1,
      invalid: 1,
      fractionDone: 1,
      audioSecondsTotal: 1,
      audioSecondsDone: 1,
      audioSecondsPerSecond: 0.4,
      elapsedSeconds: 12.5,
      etaSeconds: null,
    },
    jobs: [
      {
        line: 1,
        key: PAGE_STORE.calm,
        prompt: 'calm piano',
        durationSeconds: 1,
        seed: 1,
        settings: SETTINGS,
        state: 'generated',
      },
      {
        line: 2,
        key: 'storm_44444444.wav',
        prompt: 'storm',
        durationSeconds: 2,
        seed: 9,
        settings: SETTINGS,
        state: 'failed',
        error: 'UNAVAILABLE: Triton stopped answering',
      },
      { line: 3, key: null, state: 'invalid', error: NEWER_REPORT.jobs[2]?.error as string },
      {
        line: 4,
        key: PAGE_STORE.calm,
        prompt: 'calm piano',
        durationSeconds: 1,
        seed: 1,
        settings: SETTINGS,
        state: 'skipped',
      },
    ],
  };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/**
 * Fills a store as two batch runs would have: WAVs with the batch's metadata (a 440 Hz take and a
 * 1 kHz take of "calm piano", 0.5 s of rain at 220 Hz) and the reports; the newer run with its progress file.
 */
export async function fillPageStore(store: ObjectStore): Promise<void> {
  const wav = async (
    key: string,
    seconds: number,
    hz: number,
    prompt: string,
    seed: number,
    hash: string,
  ) => {
    const metadata = encodeAudioMetadata({
      prompt,
      durationSeconds: seconds,
      model: 'musicgen-preview',
      seed,
      identityHash: IDENTITY(hash),
      rendering: { format: 'pcm16', normalize: 'peak' },
    });
    await store.put(key, sineWav(seconds, hz), { metadata, contentType: 'audio/wav' });
  };
  await wav(PAGE_STORE.calm, 1, 440, 'calm piano', 1, 'a');
  await wav(PAGE_STORE.calmOther, 1, 1000, 'calm piano', 2, 'b');
  await wav(PAGE_STORE.rain, 0.5, 220, 'soft rain', 5, 'c');
  await store.put(PAGE_STORE.newer.reportKey, json(NEWER_REPORT));
  await store.put(PAGE_STORE.newer.progressKey, json(newerProgress('finished', NEWER_REPORT.finishedAt)));
  await store.put(PAGE_STORE.older.reportKey, json(OLDER_REPORT));
}
