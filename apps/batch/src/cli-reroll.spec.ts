import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PreviewEngine } from '@musicgen/preview-engine';
import { startPreviewDouble } from '@musicgen/preview-engine/testing';
import { parsePrompts, type PromptJob } from '@musicgen/prompts';
import { decodeAudioMetadata, openStore, type RunReportQa } from '@musicgen/store';
import { MusicgenClient, TritonClient } from '@musicgen/triton-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishAudio } from './pipeline/finish-job.js';
import { assessTake } from './pipeline/take-qa.js';
import { runCliProcess, tempWorkspace, wavFiles } from './testing/cli-process.js';
import { DEFAULT_QA_THRESHOLDS } from '@musicgen/wav';

const PROMPTS = [
  'calm lofi piano ; 4 ; piano',
  'dark cinematic strings ; 4 ; strings ; seed=5',
  'soft rain on a window ; 4 ; rain',
  '',
].join('\n');
const SILENT: RunReportQa = {
  verdict: 'suspect',
  reasons: ['silent'],
  loudnessLufs: null,
  silenceRatio: 1,
  clippingRatio: 0,
  flatness: 0,
  repetition: 1,
};

let jobs: PromptJob[];
let engine: PreviewEngine;
let client: TritonClient;
let dir: string;
let close: () => Promise<void>;

/** The take the double makes for `job` with `seed`, and its QA: what the batch should have seen. */
async function takeOf(job: PromptJob, seed: number) {
  const musicgen = new MusicgenClient({ client });
  const codes = await musicgen.generateWindow({
    text: job.prompt,
    frames: job.frames,
    seed,
    guidance: job.guidance,
    topK: job.topK,
    topP: job.topP,
    temperature: job.temperature,
  });
  const audio = await musicgen.decode(codes);
  return { audio, qa: assessTake(audio, DEFAULT_QA_THRESHOLDS) };
}

beforeAll(async () => {
  ({ jobs } = await parsePrompts(PROMPTS, { defaults: { modelId: 'musicgen-preview' } }));
  const [piano, , rain] = jobs as [PromptJob, PromptJob, PromptJob];
  // piano: two silent takes, then music; strings: its given seed is silent; rain: noise, then silence twice
  engine = await startPreviewDouble({
    silentSeeds: [piano.seed, piano.seed + 1, 5, rain.seed + 1, rain.seed + 2],
    noiseSeeds: [rain.seed],
  });
  client = new TritonClient({ address: engine.url });
  ({ dir, close } = await tempWorkspace(PROMPTS));
});
afterAll(async () => {
  client.close();
  await engine.close();
  await close();
});

describe('musicgen-batch --reroll-suspect (child process, a preview engine that makes bad takes)', () => {
  it('re-rolls suspect takes with the next seeds, stores the best, reports every attempt, and a re-run skips them', async () => {
    const [piano, strings, rain] = jobs as [PromptJob, PromptJob, PromptJob];
    const args = [
      '--prompts=prompts.txt',
      '--out=out',
      `--triton=${engine.url}`,
      '--reroll-suspect=2',
      '--json',
    ];
    const first = await runCliProcess(args, { cwd: dir });
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout);
    const good = await takeOf(piano, piano.seed + 2);
    const noise = await takeOf(rain, rain.seed);
    expect(good.qa.verdict).toBe('ok');
    expect(noise.qa.reasons).toEqual(['noise']);
    const entry = (job: PromptJob) => ({
      line: job.line,
      status: 'generated',
      key: job.key,
      prompt: job.prompt,
      durationSeconds: 4,
      error: null,
      windows: 1,
      retries: 0,
    });
    const runInfo = ({ bytes, seconds, ...rest }: Record<string, unknown>) => {
      expect([typeof bytes, typeof seconds]).toEqual(['number', 'number']);
      return rest;
    };
    expect(report.jobs.map(runInfo)).toEqual([
      {
        ...entry(piano),
        seed: piano.seed + 2,
        qa: good.qa,
        attempts: [
          { seed: piano.seed, qa: SILENT, kept: false },
          { seed: piano.seed + 1, qa: SILENT, kept: false },
          { seed: piano.seed + 2, qa: good.qa, kept: true },
        ],
      },
      {
        ...entry(strings),
        seed: 5,
        qa: SILENT,
        warnings: [
          "suspect take not re-rolled: its seed 5 is given (by its line or --seed) and part of the job's identity, so another seed would be another job",
        ],
      },
      {
        ...entry(rain),
        seed: rain.seed,
        qa: noise.qa,
        attempts: [
          { seed: rain.seed, qa: noise.qa, kept: true },
          { seed: rain.seed + 1, qa: SILENT, kept: false },
          { seed: rain.seed + 2, qa: SILENT, kept: false },
        ],
      },
    ]);
    expect(report.schemaVersion).toBe(2);
    expect(report.summary).toMatchObject({ total: 3, generated: 3, suspect: 2, failed: 0 });
    expect(first.stderr).toContain(
      `line 1 ${piano.key}: the take with seed ${piano.seed} is suspect (silent; loudness none (silence), silence 1, clipping 0, flatness 0, repetition 1): re-rolling with seed ${piano.seed + 1} (take 2 of at most 3)`,
    );
    expect(first.stderr).toMatch(
      /: 3 jobs in [\d.]+ s: 3 generated \(2 suspect\), 0 skipped, 0 failed, 0 invalid;/,
    );
    expect(first.stderr).toContain(
      `line 3 (${rain.key}): suspect (advisory): noise; loudness ${noise.qa.loudnessLufs} LUFS,`,
    );

    // The stored WAV of the piano is the good take, with its seed in the metadata; the key is the job's.
    const store = await openStore(join(dir, 'out'));
    const head = await store.head(piano.key);
    expect(decodeAudioMetadata(head?.metadata ?? {})?.seed).toBe(BigInt(piano.seed + 2));
    const expected = finishAudio({ ...piano, seed: piano.seed + 2 }, good.audio, {
      format: 'pcm16',
      normalize: 'peak',
    });
    expect(Buffer.compare(await readFile(join(dir, 'out', piano.key)), Buffer.from(expected.wav))).toBe(0);
    expect(await wavFiles(join(dir, 'out'))).toEqual([piano.key, rain.key, strings.key].sort());

    const mtimes = await Promise.all(
      [piano, strings, rain].map(async (job) => (await stat(join(dir, 'out', job.key))).mtimeMs),
    );
    const again = await runCliProcess(args, { cwd: dir });
    expect(again.code).toBe(0);
    const second = JSON.parse(again.stdout);
    expect(
      second.jobs.map((j: { line: number; status: string; reason: string }) => [j.line, j.status, j.reason]),
    ).toEqual([
      [1, 'skipped', 'exists'],
      [2, 'skipped', 'exists'],
      [3, 'skipped', 'exists'],
    ]);
    expect(second.summary).toMatchObject({ generated: 0, skipped: 3, suspect: 0 });
    expect(
      await Promise.all(
        [piano, strings, rain].map(async (job) => (await stat(join(dir, 'out', job.key))).mtimeMs),
      ),
    ).toEqual(mtimes);
  }, 120_000);
});
