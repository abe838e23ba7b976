import { resolve } from 'node:path';
import type { GenerationDefaults } from '@musicgen/prompts';
import { resolveOutLocation } from '@musicgen/store';
import type { NormalizationStrategy, WavFormat } from '@musicgen/wav';
import type { QaSettings } from '../pipeline/make-takes.js';
import { defaultSpoolRoot } from '../pipeline/spool.js';
import type { BatchOptions } from './flags.js';

/** Everything a run needs, resolved and validated from flags, environment and defaults. */
export interface BatchConfig {
  /** Absolute path of the prompts file, and the text the user typed (for messages). */
  readonly promptsPath: string;
  readonly promptsName: string;
  /** `s3://bucket/prefix/` or an absolute directory. */
  readonly out: string;
  /** gRPC endpoints `host:port`; empty means: start the preview engine (unless `viaSsh`). */
  readonly tritonUrls: readonly string[];
  /** Reach Triton through SSH tunnels to the pods of `RUNPOD_HOST` (`--via-ssh`). */
  readonly viaSsh: boolean;
  /** How often `dns:///` endpoint names are resolved again, in ms. */
  readonly dnsRefreshMs: number;
  /** How long the start waits for a `dns:///` name to resolve to a ready server, in ms. */
  readonly endpointWaitMs: number;
  /** Windows in flight; undefined means: size it from the server. */
  readonly concurrency: number | undefined;
  readonly dryRun: boolean;
  /** The dry run's GPU plan: the kind, the price of a GPU-hour (undefined: the table's), the table's path. */
  readonly gpuPlan: {
    readonly gpu: string;
    readonly pricePerHourUsd: number | undefined;
    readonly table: string | undefined;
  };
  readonly json: boolean;
  readonly force: boolean;
  readonly strict: boolean;
  readonly format: WavFormat;
  readonly normalize: NormalizationStrategy;
  /** Model id and sampling parameters every job gets unless its line overrides them. */
  readonly generation: GenerationDefaults;
  /** Seed for lines without one; undefined: derived per job. */
  readonly seed: number | undefined;
  readonly maxAttempts: number;
  /** This worker's share of the jobs: shard `index` (1-based) of `count`. */
  readonly shard: { readonly index: number; readonly count: number };
  /** Absolute folder of the spools (finished WAVs waiting for a failing store). */
  readonly spoolRoot: string;
  /** How long WAVs wait in the spool for a failing store, in ms. */
  readonly storeWaitMs: number;
  /** The audio QA's thresholds and how many times a suspect take is re-rolled. */
  readonly qa: QaSettings;
}

/** Where the command runs: environment and the directory relative paths are resolved from. */
export interface ResolveContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly baseDir: string;
}

/**
 * Turns the parsed command line (values already checked by the flag table) and the environment into
 * one {@link BatchConfig}: relative paths resolved from `baseDir` (where the user typed the command),
 * the output location from `MUSICGEN_S3_BUCKET`/`MUSICGEN_S3_PREFIX` when `--out` is not given, the
 * spool folder from `XDG_CACHE_HOME` (`LOCALAPPDATA` on Windows) when `--spool` is not given.
 *
 * @example
 * ```ts
 * const { options } = BATCH_PROGRAM.parse(['--prompts', 'prompts.txt'], { env: process.env, writeOut: console.log })!;
 * const config = resolveConfig(options, { env: process.env, baseDir: process.cwd() });
 * config.format; // 'pcm16'
 * ```
 */
export function resolveConfig(options: BatchOptions, context: ResolveContext): BatchConfig {
  const { env, baseDir } = context;
  const out = resolveOutLocation(options.out, context);
  return {
    promptsPath: resolve(baseDir, options.prompts),
    promptsName: options.prompts,
    out,
    // --via-ssh opens its own tunnels: a TRITON_URL in the environment does not count then.
    tritonUrls: options.viaSsh ? [] : (options.triton ?? []),
    viaSsh: options.viaSsh,
    dnsRefreshMs: Math.round(options.dnsRefresh * 1000),
    endpointWaitMs: Math.round(options.endpointWait * 1000),
    concurrency: options.concurrency,
    dryRun: options.dryRun,
    gpuPlan: {
      gpu: options.gpu,
      pricePerHourUsd: options.gpuPrice,
      table: options.gpuTable === undefined ? undefined : resolve(baseDir, options.gpuTable),
    },
    json: options.json,
    force: options.force,
    strict: options.strict,
    format: options.format,
    normalize: options.normalize,
    generation: {
      modelId: options.model,
      guidance: options.guidance,
      topK: options.topK,
      topP: options.topP,
      temperature: options.temperature,
    },
    seed: options.seed,
    maxAttempts: options.maxAttempts,
    shard: options.shard,
    spoolRoot: options.spool === undefined ? defaultSpoolRoot(env) : resolve(baseDir, options.spool),
    storeWaitMs: Math.round(options.storeWait * 1000),
    qa: { thresholds: options.qaThresholds, rerolls: options.rerollSuspect },
  };
}
