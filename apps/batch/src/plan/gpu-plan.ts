import { readFile } from 'node:fs/promises';

/** One GPU kind's generation speed: audio seconds per second at a number of concurrent prompts. */
export interface GpuThroughput {
  readonly gpu: string;
  /** Where the numbers come from (a measurement with its date, or a prediction). */
  readonly source: string;
  /** Requests one GPU runs at once (its `musicgen_lm` slots). */
  readonly slots: number;
  readonly points: readonly { readonly concurrent: number; readonly audio_s_per_s: number }[];
  /** The assumed price of one GPU-hour in USD, when the table gives one. */
  readonly price_per_hour_usd?: number;
}

/** The table `infra/bench/gpu_throughput.py` writes from the GPU benchmark. */
export interface ThroughputTable {
  readonly model: string;
  readonly seconds_per_prompt: number;
  /** Assumed seconds from a pod's start to Triton ready (billed, no audio made). */
  readonly startup_s: number;
  readonly notes: string;
  readonly gpus: readonly GpuThroughput[];
}

/** The table shipped with the batch (next to this module). */
export const DEFAULT_THROUGHPUT_TABLE = new URL('./gpu-throughput.json', import.meta.url);
/** The GPU kind planned for when `--gpu` is not given: the one the project rents by default. */
export const DEFAULT_GPU = 'L40S';
/** GPU counts the plan compares. */
export const GPU_COUNTS = [1, 2, 4, 8] as const;
/** Doubling the GPUs "stops helping" when it saves less than this share of the wall time. */
export const WORTHWHILE_SAVING = 0.25;

/**
 * Reads and checks a throughput table.
 *
 * @throws {Error} naming the file and what is wrong with it.
 */
export async function readThroughputTable(
  path: string | URL = DEFAULT_THROUGHPUT_TABLE,
): Promise<ThroughputTable> {
  const where = path instanceof URL ? path.pathname : path;
  let table: ThroughputTable;
  try {
    table = JSON.parse(await readFile(path, 'utf8')) as ThroughputTable;
  } catch (error) {
    throw new Error(`Cannot read the GPU throughput table ${where}: ${(error as Error).message}`);
  }
  const ok =
    Number.isFinite(table?.startup_s) &&
    Array.isArray(table.gpus) &&
    table.gpus.every(
      (g) =>
        typeof g.gpu === 'string' &&
        Number.isSafeInteger(g.slots) &&
        g.slots >= 1 &&
        Array.isArray(g.points) &&
        g.points.length > 0 &&
        g.points.every((p: GpuThroughput['points'][number]) => p.concurrent >= 1 && p.audio_s_per_s > 0),
    );
  if (!ok)
    throw new Error(
      `Cannot use the GPU throughput table ${where} as it is not what infra/bench/gpu_throughput.py writes: write it again with that script`,
    );
  return table;
}

/**
 * Audio seconds per second one GPU makes with `concurrent` prompts at once: linear between measured
 * points, flat beyond them, and never more prompts than its slots.
 *
 * @example
 * ```ts
 * audioRate({ gpu: 'H200', source: '', slots: 64, points: [{ concurrent: 32, audio_s_per_s: 71.5 }, { concurrent: 64, audio_s_per_s: 93.8 }] }, 48);
 * // 82.65
 * ```
 */
export function audioRate(gpu: GpuThroughput, concurrent: number): number {
  const c = Math.min(concurrent, gpu.slots);
  const points = [...gpu.points].sort((a, b) => a.concurrent - b.concurrent);
  const below = points.filter((p) => p.concurrent <= c).at(-1);
  const above = points.find((p) => p.concurrent >= c);
  if (!below) return (above as (typeof points)[number]).audio_s_per_s;
  if (!above || above.concurrent === below.concurrent) return below.audio_s_per_s;
  const share = (c - below.concurrent) / (above.concurrent - below.concurrent);
  return below.audio_s_per_s + share * (above.audio_s_per_s - below.audio_s_per_s);
}

/** One line of the plan: the run on `gpus` GPUs. */
export interface GpuPlanRow {
  readonly gpus: number;
  /** Prompts each GPU generates at once (its slots, or fewer when the jobs cannot fill them). */
  readonly concurrentPerGpu: number;
  /** Audio seconds per second over all GPUs. */
  readonly audioSecondsPerSecond: number;
  /** Start (each pod's startup) to the last WAV, in seconds. */
  readonly wallSeconds: number;
  readonly gpuHours: number;
  readonly costUsd: number;
  /** What bounds the generation time: the GPUs' throughput, or the longest job at its per-prompt speed. */
  readonly bound: 'throughput' | 'longest-job';
}

/** What `--dry-run` says about running the plan on several GPUs. */
export interface GpuPlan {
  readonly gpu: string;
  readonly source: string;
  readonly pricePerHourUsd: number;
  readonly priceFrom: 'flag' | 'table';
  readonly startupSeconds: number;
  readonly rows: readonly GpuPlanRow[];
  /** The GPU count after which doubling saves less than {@link WORTHWHILE_SAVING} of the time; undefined: every step helps. */
  readonly enoughAt: number | undefined;
  /** Why more GPUs stop helping there, in words. */
  readonly why: string | undefined;
}

/**
 * How long the jobs take and what they cost on 1, 2, 4 and 8 GPUs of one kind. Jobs spread evenly, one
 * window of a job at a time: each GPU runs min(slots, jobs / GPUs) prompts at once, at the table's rate
 * for that many; the generation lasts the longer of all audio over the GPUs' rate and the longest job at
 * one prompt's share of it; each GPU is billed from its start ({@link ThroughputTable.startup_s}).
 *
 * @example
 * ```ts
 * const plan = planGpus({ jobSeconds: [30, 30, 45], gpu: table.gpus[1], pricePerHourUsd: 0.86, startupSeconds: 300 });
 * plan.rows[0].wallSeconds;
 * ```
 */
export function planGpus(input: {
  readonly jobSeconds: readonly number[];
  readonly gpu: GpuThroughput;
  readonly pricePerHourUsd: number;
  readonly priceFrom?: 'flag' | 'table';
  readonly startupSeconds: number;
  readonly counts?: readonly number[];
}): GpuPlan {
  const { jobSeconds, gpu, pricePerHourUsd, startupSeconds, counts = GPU_COUNTS } = input;
  const jobs = jobSeconds.length;
  const audio = jobSeconds.reduce((s, x) => s + x, 0);
  const longest = jobSeconds.reduce((m, x) => Math.max(m, x), 0);
  const rows = counts.map((gpus): GpuPlanRow => {
    const concurrent = Math.max(1, Math.min(gpu.slots, Math.ceil(jobs / gpus)));
    const rate = audioRate(gpu, concurrent);
    const byThroughput = jobs === 0 ? 0 : audio / (gpus * rate);
    const byLongest = jobs === 0 ? 0 : longest / (rate / concurrent);
    const wallSeconds = (jobs === 0 ? 0 : startupSeconds) + Math.max(byThroughput, byLongest);
    const gpuHours = (gpus * wallSeconds) / 3600;
    return {
      gpus,
      concurrentPerGpu: jobs === 0 ? 0 : concurrent,
      audioSecondsPerSecond: jobs === 0 ? 0 : round2(audio / Math.max(byThroughput, byLongest)),
      wallSeconds: Math.round(wallSeconds),
      gpuHours: round2(gpuHours),
      costUsd: round2(gpuHours * pricePerHourUsd),
      bound: byLongest > byThroughput ? 'longest-job' : 'throughput',
    };
  });
  let enoughAt: number | undefined = jobs === 0 ? counts[0] : undefined;
  let why: string | undefined = jobs === 0 ? 'there is nothing to generate' : undefined;
  for (let i = 0; jobs > 0 && i + 1 < rows.length; i++) {
    const [now, next] = [rows[i] as GpuPlanRow, rows[i + 1] as GpuPlanRow];
    if (next.wallSeconds > now.wallSeconds * (1 - WORTHWHILE_SAVING)) {
      enoughAt = now.gpus;
      why =
        next.bound === 'longest-job'
          ? `the longest job (${longest.toFixed(0)} s of audio, one window at a time) bounds the time`
          : Math.ceil(jobs / next.gpus) < gpu.slots
            ? `${jobs} jobs cannot fill the ${gpu.slots} slots of ${next.gpus} GPUs (a job has one window in flight at a time)`
            : `each pod's start (${startupSeconds} s) outweighs the generation time saved`;
      break;
    }
  }
  return {
    gpu: gpu.gpu,
    source: gpu.source,
    pricePerHourUsd,
    priceFrom: input.priceFrom ?? 'table',
    startupSeconds,
    rows,
    enoughAt,
    why,
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** `1 h 05 min`, `4 min 10 s`, `45 s`. */
export function formatWall(seconds: number): string {
  if (seconds >= 3600)
    return `${Math.floor(seconds / 3600)} h ${String(Math.round((seconds % 3600) / 60)).padStart(2, '0')} min`;
  if (seconds >= 60)
    return `${Math.floor(seconds / 60)} min ${String(Math.round(seconds % 60)).padStart(2, '0')} s`;
  return `${Math.round(seconds)} s`;
}

/**
 * The plan as lines for people.
 *
 * @example
 * ```ts
 * process.stdout.write(formatGpuPlan(plan));
 * ```
 */
export function formatGpuPlan(plan: GpuPlan): string {
  const price = `$${plan.pricePerHourUsd.toFixed(2)} per GPU-hour (${plan.priceFrom === 'flag' ? '--gpu-price' : 'assumed; set --gpu-price'})`;
  const lines = [
    `On ${plan.gpu} GPUs (${plan.source}), at ${price}, each pod billed from its start (${plan.startupSeconds} s to ready, assumed):`,
    '  GPUs  prompts/GPU  audio s/s    wall time  GPU-hours      cost',
    ...plan.rows.map(
      (r) =>
        `  ${String(r.gpus).padStart(4)}  ${String(r.concurrentPerGpu).padStart(11)}  ${r.audioSecondsPerSecond.toFixed(1).padStart(9)}  ${formatWall(r.wallSeconds).padStart(11)}  ${r.gpuHours.toFixed(2).padStart(9)}  ${('$' + r.costUsd.toFixed(2)).padStart(8)}`,
    ),
    plan.enoughAt === undefined
      ? `Every doubling up to ${plan.rows.at(-1)?.gpus ?? 0} GPUs saves at least ${WORTHWHILE_SAVING * 100}% of the time.`
      : `More than ${plan.enoughAt} GPU${plan.enoughAt === 1 ? '' : 's'} saves less than ${WORTHWHILE_SAVING * 100}% of the time per doubling: ${plan.why}.`,
  ];
  return lines.join('\n') + '\n';
}
