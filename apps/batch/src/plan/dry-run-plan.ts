import { planWindows } from '@musicgen/chunking';
import { secondsForFrames } from '@musicgen/contract';
import type { PromptJob } from '@musicgen/prompts';
import { isJobDone, type ObjectStore, type Rendering } from '@musicgen/store';
import { UNRECORDED_RENDERING } from '../pipeline/finish-job.js';
import type { DuplicateLine } from '../pipeline/prepare-jobs.js';

/** Assumed time of one batched decoder step of musicgen-medium on an L40S-class GPU, for the estimate only. */
export const ASSUMED_STEP_MS = 20;
/** Store lookups in flight while planning. */
const LOOKUP_CONCURRENCY = 16;

/** One job of the plan. */
export interface PlannedJob {
  readonly line: number;
  readonly key: string;
  readonly seconds: number;
  readonly frames: number;
  readonly windows: number;
  readonly forwardSteps: number;
  /** `generate`, `exists` (in the store with the same identity and rendering; skipped unless --force). */
  readonly state: 'generate' | 'exists';
}

/** What `--dry-run` prints. */
export interface DryRunPlan {
  readonly jobs: readonly PlannedJob[];
  readonly duplicates: readonly DuplicateLine[];
  readonly invalidLines: number;
  readonly totals: {
    readonly toGenerate: number;
    readonly existing: number;
    readonly audioSeconds: number;
    readonly windows: number;
    readonly frames: number;
    readonly forwardSteps: number;
    /** Rough GPU time at `concurrency` windows batched together, from {@link ASSUMED_STEP_MS}. */
    readonly estimatedGpuSeconds: number;
  };
}

/**
 * Plans a run without generating: windows and decoder steps per job, which jobs the store already
 * holds (`--force` turns them back into `generate`), and a rough GPU-time estimate.
 *
 * @example
 * ```ts
 * const plan = await planDryRun({ jobs, duplicates, invalidLines: 1, store, force: false, concurrency: 16,
 *   rendering: { format: 'pcm16', normalize: 'peak' } });
 * ```
 */
export async function planDryRun(input: {
  jobs: readonly PromptJob[];
  duplicates: readonly DuplicateLine[];
  invalidLines: number;
  store: ObjectStore;
  force: boolean;
  concurrency: number;
  /** The format and normalisation asked for: a stored WAV rendered otherwise is generated again. */
  rendering: Rendering;
}): Promise<DryRunPlan> {
  const states = new Array<'generate' | 'exists'>(input.jobs.length).fill('generate');
  if (!input.force) {
    let next = 0;
    const worker = async () => {
      while (next < input.jobs.length) {
        const i = next++;
        const job = input.jobs[i] as PromptJob;
        const state = await isJobDone(input.store, job.key, job.identityHash, {
          rendering: input.rendering,
          unrecordedRendering: UNRECORDED_RENDERING,
        });
        if (state.done) states[i] = 'exists';
      }
    };
    await Promise.all(Array.from({ length: LOOKUP_CONCURRENCY }, worker));
  }
  const jobs = input.jobs.map((job, i): PlannedJob => {
    const plan = planWindows(job.frames, job.seed);
    return {
      line: job.line,
      key: job.key,
      seconds: secondsForFrames(job.frames),
      frames: job.frames,
      windows: plan.totals.windows,
      forwardSteps: plan.totals.forwardSteps,
      state: states[i] as 'generate' | 'exists',
    };
  });
  const todo = jobs.filter((j) => j.state === 'generate');
  const sum = (f: (j: PlannedJob) => number) => todo.reduce((s, j) => s + f(j), 0);
  const forwardSteps = sum((j) => j.forwardSteps);
  const batch = Math.max(1, Math.min(input.concurrency, todo.length));
  return {
    jobs,
    duplicates: input.duplicates,
    invalidLines: input.invalidLines,
    totals: {
      toGenerate: todo.length,
      existing: jobs.length - todo.length,
      audioSeconds: sum((j) => j.seconds),
      windows: sum((j) => j.windows),
      frames: sum((j) => j.frames),
      forwardSteps,
      estimatedGpuSeconds: Math.round((forwardSteps * ASSUMED_STEP_MS) / batch / 1000),
    },
  };
}

/**
 * The plan as a table and a summary, for people.
 *
 * @example
 * ```ts
 * process.stdout.write(formatDryRunPlan(plan, 16, formatGpuPlan(gpuPlan)));
 * ```
 */
export function formatDryRunPlan(plan: DryRunPlan, concurrency: number, gpuPlan = ''): string {
  const rows = plan.jobs.map(
    (j) =>
      `${String(j.line).padStart(5)}  ${j.key.padEnd(32)} ${j.seconds.toFixed(1).padStart(7)} s ${String(j.windows).padStart(7)} ${String(j.frames).padStart(7)}  ${j.state === 'exists' ? 'in store (skip)' : 'generate'}`,
  );
  const dupes = plan.duplicates.map(
    (d) => `${String(d.line).padStart(5)}  ${d.key.padEnd(32)} duplicate of line ${d.duplicateOf}`,
  );
  const t = plan.totals;
  return [
    ` line  ${'key'.padEnd(32)} duration windows  frames  state`,
    ...rows,
    ...dupes,
    '',
    `${count(plan.jobs.length, 'distinct job')}: ${t.toGenerate} to generate, ${t.existing} already in the store; ` +
      `${count(plan.duplicates.length, 'duplicate line')}, ${count(plan.invalidLines, 'invalid line')}`,
    `To generate: ${t.audioSeconds.toFixed(1)} s of audio, ${t.windows} windows, ${t.frames} frames, ${t.forwardSteps} decoder steps`,
    `Estimated GPU time: about ${t.estimatedGpuSeconds} s with ${concurrency} windows in flight ` +
      `(assumes ${ASSUMED_STEP_MS} ms per batched decoder step of musicgen-medium on an L40S-class GPU)`,
    ...(gpuPlan === '' ? [] : [gpuPlan.trimEnd()]),
    'Dry run: nothing was generated.',
    '',
  ].join('\n');
}

/** `1 invalid line`, `2 invalid lines`. */
function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
