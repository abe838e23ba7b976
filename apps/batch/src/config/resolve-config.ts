import { isAbsolute, resolve } from 'node:path';
import { MAX_SEED, samplingProblem, seedProblem, type SamplingName } from '@musicgen/contract';
import { DEFAULT_GENERATION, type GenerationDefaults } from '@musicgen/prompts';
import { defaultSpoolRoot } from '../pipeline/spool.js';
import {
  DEFAULT_STORE_WAIT_SECONDS,
  DEFAULT_WINDOW_ATTEMPTS,
  FORMAT_CHOICES,
  NORMALIZE_CHOICES,
  type CliOptions,
} from '../cli/flags.js';
import { ConfigError } from './config-error.js';

/** WAV sample encodings, as `@musicgen/wav` names them. */
export type SampleFormat = (typeof FORMAT_CHOICES)[keyof typeof FORMAT_CHOICES];
/** Normalisation strategies. */
export type NormalizeStrategy = (typeof NORMALIZE_CHOICES)[number];

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
  /** Windows in flight; undefined means: size it from the server. */
  readonly concurrency: number | undefined;
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly force: boolean;
  readonly strict: boolean;
  readonly format: SampleFormat;
  readonly normalize: NormalizeStrategy;
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
}

/** Most windows in flight a user may ask for. */
export const MAX_CONCURRENCY = 1024;

/** Where the command runs: environment and the directory relative paths are resolved from. */
export interface ResolveContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly baseDir: string;
}

function fail(flag: string, reason: string, value: string): never {
  throw new ConfigError(`Cannot use ${flag}: ${reason}: got ${JSON.stringify(value)}`);
}

function parseNumber(
  flag: string,
  value: string,
  rule: string,
  ok: (n: number) => boolean,
  integer = false,
): number {
  const n = numeric(value);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || !ok(n))
    fail(flag, `must be ${rule}`, value);
  return n;
}

/** The number a flag value spells (decimal, optional exponent), or NaN. */
function numeric(value: string): number {
  return /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value) ? Number(value) : Number.NaN;
}

function parseEndpoints(value: string, source: string): string[] {
  const urls = value
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (urls.length === 0) fail(source, 'give at least one host:port', value);
  return urls.map((url) => {
    const bare = url.replace(/^(grpc|http):\/\//i, '').replace(/\/+$/, '');
    const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(bare);
    if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
      fail(source, 'each endpoint must be host:port, for example 127.0.0.1:8001', url);
    }
    return bare;
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * Turns the parsed command line, the environment and the defaults into one validated
 * {@link BatchConfig}. Relative paths are resolved from `baseDir` (where the user typed the command).
 *
 * @example
 * ```ts
 * const config = resolveConfig({ prompts: 'prompts.txt', format: 'wav24' }, { env: process.env, baseDir: process.cwd() });
 * config.format; // 'pcm24'
 * ```
 *
 * @throws {ConfigError} with a one-line message naming the flag or variable and the bad value.
 */
export function resolveConfig(options: CliOptions, context: ResolveContext): BatchConfig {
  const { env, baseDir } = context;
  const promptsName = nonEmpty(options.prompts);
  if (promptsName === undefined) {
    throw new ConfigError(
      'Missing --prompts <file>: give the prompts file, for example --prompts=examples/prompts.txt',
    );
  }

  let out: string;
  const outFlag = options.out;
  if (outFlag !== undefined) {
    if (outFlag.trim() === '') fail('--out', 'give a directory or s3://bucket/prefix', outFlag);
    out = outFlag.trim();
  } else {
    const bucket = nonEmpty(env['MUSICGEN_S3_BUCKET']);
    const prefix = nonEmpty(env['MUSICGEN_S3_PREFIX']) ?? '';
    out = bucket === undefined ? './output' : `s3://${bucket}/${prefix.replace(/^\/+/, '')}`;
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(out) && !isAbsolute(out)) out = resolve(baseDir, out);

  const tritonFlag = options.triton;
  const viaSsh = options.viaSsh === true;
  if (viaSsh && tritonFlag !== undefined) {
    fail('--via-ssh', 'it opens its own tunnel, so --triton cannot be given with it; remove one', tritonFlag);
  }
  const tritonEnv = nonEmpty(env['TRITON_URL']);
  const tritonUrls = viaSsh
    ? []
    : tritonFlag !== undefined
      ? parseEndpoints(tritonFlag, '--triton')
      : tritonEnv !== undefined
        ? parseEndpoints(tritonEnv, 'TRITON_URL')
        : [];

  const concurrency =
    options.concurrency === undefined
      ? undefined
      : parseNumber(
          '--concurrency',
          options.concurrency,
          `an integer from 1 to ${MAX_CONCURRENCY}`,
          (n) => n >= 1 && n <= MAX_CONCURRENCY,
          true,
        );

  const formatName = options.format ?? 'wav16';
  if (!Object.hasOwn(FORMAT_CHOICES, formatName)) {
    fail('--format', `must be one of ${Object.keys(FORMAT_CHOICES).join(', ')}`, formatName);
  }
  const normalize = (options.normalize ?? 'peak') as NormalizeStrategy;
  if (!NORMALIZE_CHOICES.includes(normalize))
    fail('--normalize', `must be one of ${NORMALIZE_CHOICES.join(', ')}`, normalize);

  const d = DEFAULT_GENERATION;
  const modelId =
    options.model !== undefined ? options.model.trim() : (nonEmpty(env['MUSICGEN_MODEL_ID']) ?? d.modelId);
  if (!/^[\x21-\x7e]{1,256}$/.test(modelId))
    fail('--model', 'must be 1 to 256 printable ASCII characters without spaces', modelId);
  const sampling = (name: SamplingName, flag: string): number => {
    const text = options[name];
    if (text === undefined) return d[name];
    const value = numeric(text);
    const problem = samplingProblem(name, value);
    if (problem !== undefined) fail(flag, problem, text);
    return value;
  };
  const generation: GenerationDefaults = {
    modelId,
    guidance: sampling('guidance', '--guidance'),
    topK: sampling('topK', '--top-k'),
    topP: sampling('topP', '--top-p'),
    temperature: sampling('temperature', '--temperature'),
  };
  const seed =
    options.seed === undefined
      ? undefined
      : parseNumber(
          '--seed',
          options.seed,
          `an integer from 0 to ${MAX_SEED}`,
          (n) => seedProblem(n) === undefined,
          true,
        );
  const maxAttempts =
    options.maxAttempts === undefined
      ? DEFAULT_WINDOW_ATTEMPTS
      : parseNumber(
          '--max-attempts',
          options.maxAttempts,
          'an integer from 1 to 100',
          (n) => n >= 1 && n <= 100,
          true,
        );

  let shard = { index: 1, count: 1 };
  if (options.shard !== undefined) {
    const match = /^\s*(\d{1,6})\s*\/\s*(\d{1,6})\s*$/.exec(options.shard);
    const index = Number(match?.[1]);
    const count = Number(match?.[2]);
    if (!match || count < 1 || index < 1 || index > count) {
      fail('--shard', 'must be i/n with 1 <= i <= n, for example 2/4', options.shard);
    }
    shard = { index, count };
  }

  const spoolFlag = options.spool === undefined ? undefined : options.spool.trim();
  if (spoolFlag === '') fail('--spool', 'give a directory', options.spool ?? '');
  const spoolRoot = spoolFlag === undefined ? defaultSpoolRoot(env) : resolve(baseDir, spoolFlag);
  const storeWaitSeconds =
    options.storeWait === undefined
      ? DEFAULT_STORE_WAIT_SECONDS
      : parseNumber(
          '--store-wait',
          options.storeWait,
          'a number of seconds from 0 to 86400',
          (n) => n >= 0 && n <= 86_400,
        );

  return {
    promptsPath: resolve(baseDir, promptsName),
    promptsName,
    out,
    tritonUrls,
    viaSsh,
    concurrency,
    dryRun: options.dryRun === true,
    json: options.json === true,
    force: options.force === true,
    strict: options.strict === true,
    format: FORMAT_CHOICES[formatName as keyof typeof FORMAT_CHOICES],
    normalize,
    generation,
    seed,
    maxAttempts,
    shard,
    spoolRoot,
    storeWaitMs: Math.round(storeWaitSeconds * 1000),
  };
}
