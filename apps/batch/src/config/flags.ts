import {
  decimal,
  defineFlags,
  integer,
  InvalidArgumentError,
  nonBlank,
  numberText,
  type OptionsOf,
} from '@musicgen/cli';
import {
  DEFAULT_MODEL_ID,
  DEFAULT_SAMPLING,
  MAX_SEED,
  SAMPLING_LIMITS,
  samplingProblem,
  seedProblem,
  type SamplingName,
} from '@musicgen/contract';
import {
  DEFAULT_QA_THRESHOLDS,
  type NormalizationStrategy,
  type QaThresholds,
  type WavFormat,
} from '@musicgen/wav';
import { DEFAULT_STORE_WAIT_MS } from '../pipeline/store-writer.js';
import { DEFAULT_DNS_REFRESH_MS, DEFAULT_ENDPOINT_WAIT_MS } from '../backend/connect-backend.js';
import { DEFAULT_GPU } from '../plan/gpu-plan.js';

/** Attempts per window (and per decode) by default: about 90 s of backoff, enough for a server restart. */
export const DEFAULT_WINDOW_ATTEMPTS = 12;
/** Most windows in flight a user may ask for. */
export const MAX_CONCURRENCY = 1024;
/** Most re-rolls of a suspect take a user may ask for. */
export const MAX_REROLLS = 10;

/** The accepted range of each QA threshold. */
const QA_THRESHOLD_RANGES: Readonly<Record<keyof QaThresholds, { min: number; max: number }>> = {
  minLoudnessLufs: { min: -120, max: 0 },
  maxSilenceRatio: { min: 0, max: 1 },
  maxClippingRatio: { min: 0, max: 1 },
  maxFlatness: { min: 0, max: 1 },
  maxRepetition: { min: 0, max: 1 },
};

/**
 * `name=value[,name=value...]` over `DEFAULT_QA_THRESHOLDS`: `maxFlatness=0.4,maxRepetition=0.9` keeps
 * the other thresholds at their defaults.
 */
function qaThresholds(text: string): QaThresholds {
  const names = Object.keys(QA_THRESHOLD_RANGES) as (keyof QaThresholds)[];
  const thresholds: Record<keyof QaThresholds, number> = { ...DEFAULT_QA_THRESHOLDS };
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) {
    throw new InvalidArgumentError(`it must be name=value pairs with names of ${names.join(', ')}`);
  }
  for (const item of items) {
    const match = /^([A-Za-z]+)\s*=\s*(.*)$/.exec(item);
    const name = match?.[1] as keyof QaThresholds | undefined;
    if (match === null || name === undefined || !names.includes(name)) {
      throw new InvalidArgumentError(`each item must be name=value with a name of ${names.join(', ')}`);
    }
    const { min, max } = QA_THRESHOLD_RANGES[name];
    const value = numberText(match[2] as string);
    if (!(value >= min && value <= max)) {
      throw new InvalidArgumentError(`${name} must be a number from ${min} to ${max}`);
    }
    thresholds[name] = value;
  }
  return thresholds;
}

/** Output formats: the flag value and the WAV sample encoding it selects. */
const WAV_FORMATS = { wav16: 'pcm16', wav24: 'pcm24', wav32f: 'float32' } as const satisfies Record<
  string,
  WavFormat
>;
/** Normalisation strategies, in the order help lists them. */
const NORMALIZE_CHOICES = [
  'peak',
  'loudness',
  'clip',
  'rms',
  'none',
] as const satisfies readonly NormalizationStrategy[];

/** A sampling option's accepted range as help text writes it, e.g. `0..2048`. */
function range(name: SamplingName): string {
  const { min, max } = SAMPLING_LIMITS[name];
  return `${min}..${max}`;
}

/** A value parser for a sampling option, held to the model contract's limits. */
function sampling(name: SamplingName): (text: string) => number {
  return (text) => {
    const value = numberText(text);
    const problem = samplingProblem(name, value);
    if (problem !== undefined) throw new InvalidArgumentError(`it ${problem}`);
    return value;
  };
}

function seed(text: string): number {
  const value = numberText(text);
  const problem = seedProblem(value);
  if (problem !== undefined) throw new InvalidArgumentError(`it ${problem}`);
  return value;
}

/**
 * `host:port[,host:port...]`, with an optional `grpc://` or `http://` and trailing slashes; or
 * `dns:///host:port`, which stands for every address the name resolves to (kept with its scheme).
 */
function endpoints(text: string): string[] {
  const urls = text
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (urls.length === 0) throw new InvalidArgumentError('it must name at least one host:port');
  return urls.map((url) => {
    const dns = /^dns:\/\/\/([A-Za-z0-9.-]+):(\d{1,5})\/*$/i.exec(url);
    if (dns) {
      if (Number(dns[2]) < 1 || Number(dns[2]) > 65535)
        throw new InvalidArgumentError('the port of a dns:/// endpoint must be from 1 to 65535');
      return `dns:///${dns[1]}:${dns[2]}`;
    }
    if (/^dns:/i.test(url)) {
      throw new InvalidArgumentError(
        'a DNS endpoint must be dns:///host:port (three slashes), for example dns:///triton.music.svc:8001',
      );
    }
    const bare = url.replace(/^(grpc|http):\/\//i, '').replace(/\/+$/, '');
    const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(bare);
    if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
      throw new InvalidArgumentError('each endpoint must be host:port, for example 127.0.0.1:8001');
    }
    return bare;
  });
}

function modelId(text: string): string {
  const id = text.trim();
  if (!/^[\x21-\x7e]{1,256}$/.test(id)) {
    throw new InvalidArgumentError('it must be 1 to 256 printable ASCII characters without spaces');
  }
  return id;
}

function shard(text: string): { index: number; count: number } {
  const match = /^\s*(\d{1,6})\s*\/\s*(\d{1,6})\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) {
    throw new InvalidArgumentError('it must be i/n with 1 <= i <= n, for example 2/4');
  }
  return { index, count };
}

function out(text: string): string {
  if (text.trim() === '') throw new InvalidArgumentError('it must be a directory or s3://bucket/prefix');
  return text.trim();
}

/**
 * Every flag of `musicgen-batch`: syntax, help, default, environment variable and value parser. Names
 * avoid the flags Nx keeps for itself (`--verbose`, `--parallel`, `--cwd`, `--help`, `--configuration`,
 * `--args`, `--env`, `--envFile`, `--color`, `--tty`, `--skip-nx-cache`, `--output-style`), so
 * `nx run batch:run --x=y` forwards all of them.
 */
export const BATCH_FLAGS = defineFlags({
  prompts: {
    flags: '--prompts <file>',
    description: 'prompts file, one `PROMPT ; DURATION ; FILENAME` per line (required)',
    parse: nonBlank,
    required: 'give the prompts file, for example --prompts=examples/prompts.txt',
  },
  out: {
    flags: '--out <dir|s3://bucket/prefix>',
    description: 'where the WAV files and run reports go',
    parse: out,
    defaultText: 's3://$MUSICGEN_S3_BUCKET/$MUSICGEN_S3_PREFIX when MUSICGEN_S3_BUCKET is set, else ./output',
  },
  triton: {
    flags: '--triton <host:port[,host:port...]>',
    description:
      'Triton gRPC endpoint(s); dns:///host:port uses every address the name resolves to, re-resolved as servers come and go (a Kubernetes headless Service); without one, a local preview engine (a synthesiser, not MusicGen) is started',
    parse: endpoints,
    env: 'TRITON_URL',
  },
  viaSsh: {
    flags: '--via-ssh',
    description:
      "reach Triton through an SSH tunnel to each pod of RUNPOD_HOST (its TRITON_GRPC_PORT), opened by the batch itself with the deploy tool's SSH settings",
    conflicts: ['triton'],
  },
  dnsRefresh: {
    flags: '--dns-refresh <seconds>',
    description: 'how often dns:/// endpoint names are resolved again (servers join and leave the run)',
    parse: decimal({ min: 1, max: 3600 }),
    default: DEFAULT_DNS_REFRESH_MS / 1000,
  },
  endpointWait: {
    flags: '--endpoint-wait <seconds>',
    description: 'how long the start waits for a dns:/// endpoint name to resolve to a ready server',
    parse: decimal({ min: 0, max: 86_400 }),
    default: DEFAULT_ENDPOINT_WAIT_MS / 1000,
  },
  concurrency: {
    flags: '--concurrency <n>',
    description: 'generation windows in flight at once, over all endpoints',
    parse: integer({ min: 1, max: MAX_CONCURRENCY }),
    defaultText: 'the requests each server runs at once (its published facts), else 16 per endpoint',
  },
  dryRun: {
    flags: '--dry-run',
    description: 'check the environment and the store, print the plan, generate nothing',
  },
  gpu: {
    flags: '--gpu <kind>',
    description:
      'with --dry-run: the GPU kind to plan 1, 2, 4 and 8 GPUs of (a kind of the throughput table, e.g. L40S, H200)',
    parse: nonBlank,
    default: DEFAULT_GPU,
  },
  gpuPrice: {
    flags: '--gpu-price <usd>',
    description: 'with --dry-run: the price of one GPU-hour, in USD',
    parse: decimal({ min: 0, max: 1000 }),
    defaultText: "the table's assumed price for the kind",
  },
  gpuTable: {
    flags: '--gpu-table <file>',
    description: 'with --dry-run: the GPU throughput table (what infra/bench/gpu_throughput.py writes)',
    parse: nonBlank,
    defaultText: 'the one shipped with the batch',
  },
  json: {
    flags: '--json',
    description: 'print the run report as JSON on stdout (progress and summary go to stderr)',
  },
  force: { flags: '--force', description: 'regenerate jobs whose WAV is already in the store' },
  strict: {
    flags: '--strict',
    description: 'stop before generating anything when a line is invalid (exit 2)',
  },
  format: {
    flags: '--format <format>',
    description: 'WAV sample format',
    choices: Object.keys(WAV_FORMATS),
    parse: (text: string): WavFormat => WAV_FORMATS[text as keyof typeof WAV_FORMATS],
    default: WAV_FORMATS.wav16,
    defaultText: 'wav16',
  },
  normalize: {
    flags: '--normalize <strategy>',
    description: 'loudness normalisation',
    choices: NORMALIZE_CHOICES,
    default: 'peak',
  },
  model: {
    flags: '--model <id>',
    description: 'model id recorded in job identities',
    parse: modelId,
    env: 'MUSICGEN_MODEL_ID',
    default: DEFAULT_MODEL_ID,
  },
  guidance: {
    flags: '--guidance <x>',
    description: `classifier-free guidance scale (${range('guidance')}; 1 disables)`,
    parse: sampling('guidance'),
    default: DEFAULT_SAMPLING.guidance,
  },
  topK: {
    flags: '--top-k <n>',
    description: `top-k sampling (${range('topK')}; 0 disables)`,
    parse: sampling('topK'),
    default: DEFAULT_SAMPLING.topK,
  },
  topP: {
    flags: '--top-p <x>',
    description: `nucleus sampling (${range('topP')}; 0 disables, > 0 wins over top-k)`,
    parse: sampling('topP'),
    default: DEFAULT_SAMPLING.topP,
  },
  temperature: {
    flags: '--temperature <x>',
    description: `sampling temperature (${range('temperature')}; 0 is greedy)`,
    parse: sampling('temperature'),
    default: DEFAULT_SAMPLING.temperature,
  },
  seed: {
    flags: '--seed <n>',
    description: `seed for jobs whose line gives none (0..${MAX_SEED})`,
    parse: seed,
    defaultText: 'derived from each job',
  },
  rerollSuspect: {
    flags: '--reroll-suspect <n>',
    description:
      "make a take the audio QA calls suspect again with the next seed, up to n times, and store the best; each re-roll costs the job's GPU time once more (jobs whose seed is given are not re-rolled)",
    parse: integer({ min: 0, max: MAX_REROLLS }),
    default: 0,
  },
  qaThresholds: {
    flags: '--qa-thresholds <name=value,...>',
    description:
      'limits of the advisory audio QA (minLoudnessLufs, maxSilenceRatio, maxClippingRatio, maxFlatness, maxRepetition); unnamed ones keep their defaults',
    parse: qaThresholds,
    env: 'MUSICGEN_QA_THRESHOLDS',
    default: DEFAULT_QA_THRESHOLDS,
    defaultText: `$MUSICGEN_QA_THRESHOLDS, else ${Object.entries(DEFAULT_QA_THRESHOLDS)
      .map(([name, value]) => `${name}=${value}`)
      .join(',')}`,
  },
  maxAttempts: {
    flags: '--max-attempts <n>',
    description: 'attempts per generation window before its job fails',
    parse: integer({ min: 1, max: 100 }),
    default: DEFAULT_WINDOW_ATTEMPTS,
  },
  shard: {
    flags: '--shard <i/n>',
    description: 'run only the i-th of n shards of the jobs (by key), to split a file over n workers',
    parse: shard,
    default: { index: 1, count: 1 },
    defaultText: '1/1',
  },
  spool: {
    flags: '--spool <dir>',
    description:
      'where finished WAVs wait while the store fails (uploaded when it is back, or first by the next run)',
    parse: nonBlank,
    defaultText:
      '$XDG_CACHE_HOME/musicgen-batch/spool (~/.cache/..., %LOCALAPPDATA%\\musicgen-batch\\spool on Windows)',
  },
  storeWait: {
    flags: '--store-wait <seconds>',
    description:
      'how long finished WAVs wait in the spool for a failing store (generation is paused meanwhile) before the run gives up',
    parse: decimal({ min: 0, max: 86_400 }),
    default: DEFAULT_STORE_WAIT_MS / 1000,
  },
});

/** The options the command line gives `musicgen-batch`: parsed, checked, defaults applied. */
export type BatchOptions = OptionsOf<typeof BATCH_FLAGS>;
