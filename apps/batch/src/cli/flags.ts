import {
  DEFAULT_MODEL_ID,
  DEFAULT_SAMPLING,
  MAX_SEED,
  SAMPLING_LIMITS,
  type SamplingName,
} from '@musicgen/contract';

/** The options object commander produces from the command line: every value as typed, unvalidated. */
export interface CliOptions {
  prompts?: string;
  out?: string;
  triton?: string;
  concurrency?: string;
  dryRun?: boolean;
  json?: boolean;
  force?: boolean;
  strict?: boolean;
  format?: string;
  normalize?: string;
  model?: string;
  guidance?: string;
  topK?: string;
  topP?: string;
  temperature?: string;
  seed?: string;
  maxAttempts?: string;
  shard?: string;
  viaSsh?: boolean;
  spool?: string;
  storeWait?: string;
}

/** One command-line flag: declared once here; `--help`, the README table and validation follow it. */
export interface FlagSpec {
  /** The property of {@link CliOptions} commander fills. */
  readonly key: keyof CliOptions;
  /** Commander syntax, e.g. `--prompts <file>`. */
  readonly flags: string;
  readonly description: string;
  /** The default as shown in help, when there is one. */
  readonly defaultText?: string;
  /** Allowed values, shown in help and checked by `resolveConfig`. */
  readonly choices?: readonly string[];
}

/** Seconds finished WAVs wait in the spool for a failing store by default: 15 minutes. */
export const DEFAULT_STORE_WAIT_SECONDS = 900;

/** Attempts per window (and per decode) by default: about 90 s of backoff, enough for a server restart. */
export const DEFAULT_WINDOW_ATTEMPTS = 12;

/** Output formats: the flag value and the WAV sample encoding it selects. */
export const FORMAT_CHOICES = { wav16: 'pcm16', wav24: 'pcm24', wav32f: 'float32' } as const;
/** Normalisation strategies. */
export const NORMALIZE_CHOICES = ['peak', 'loudness', 'clip', 'rms', 'none'] as const;

/**
 * Every flag of `musicgen-batch`. Names avoid the flags Nx keeps for itself (`--verbose`, `--parallel`,
 * `--cwd`, `--help`, `--configuration`, `--args`, `--env`, `--envFile`, `--color`, `--tty`,
 * `--skip-nx-cache`, `--output-style`), so `nx run batch:run --x=y` forwards all of them.
 */
/** A sampling option's accepted range as help text writes it, e.g. `0..2048`. */
function range(name: SamplingName): string {
  const { min, max } = SAMPLING_LIMITS[name];
  return `${min}..${max}`;
}

export const FLAGS: readonly FlagSpec[] = [
  {
    key: 'prompts',
    flags: '--prompts <file>',
    description: 'prompts file, one `PROMPT ; DURATION ; FILENAME` per line (required)',
  },
  {
    key: 'out',
    flags: '--out <dir|s3://bucket/prefix>',
    description: 'where the WAV files and run reports go',
    defaultText: 's3://$MUSICGEN_S3_BUCKET/$MUSICGEN_S3_PREFIX when MUSICGEN_S3_BUCKET is set, else ./output',
  },
  {
    key: 'triton',
    flags: '--triton <host:port[,host:port...]>',
    description:
      'Triton gRPC endpoint(s); without one, a local preview engine (a synthesiser, not MusicGen) is started',
    defaultText: '$TRITON_URL',
  },
  {
    key: 'viaSsh',
    flags: '--via-ssh',
    description:
      "reach Triton through an SSH tunnel to each pod of RUNPOD_HOST (its TRITON_GRPC_PORT), opened by the batch itself with the deploy tool's SSH settings",
  },
  {
    key: 'concurrency',
    flags: '--concurrency <n>',
    description: 'generation windows in flight at once, over all endpoints',
    defaultText: 'the requests each server runs at once (its published facts), else 16 per endpoint',
  },
  {
    key: 'dryRun',
    flags: '--dry-run',
    description: 'check the environment and the store, print the plan, generate nothing',
  },
  {
    key: 'json',
    flags: '--json',
    description: 'print the run report as JSON on stdout (progress and summary go to stderr)',
  },
  { key: 'force', flags: '--force', description: 'regenerate jobs whose WAV is already in the store' },
  {
    key: 'strict',
    flags: '--strict',
    description: 'stop before generating anything when a line is invalid (exit 2)',
  },
  {
    key: 'format',
    flags: '--format <format>',
    description: 'WAV sample format',
    defaultText: 'wav16',
    choices: Object.keys(FORMAT_CHOICES),
  },
  {
    key: 'normalize',
    flags: '--normalize <strategy>',
    description: 'loudness normalisation',
    defaultText: 'peak',
    choices: NORMALIZE_CHOICES,
  },
  {
    key: 'model',
    flags: '--model <id>',
    description: 'model id recorded in job identities',
    defaultText: `$MUSICGEN_MODEL_ID, else ${DEFAULT_MODEL_ID}`,
  },
  {
    key: 'guidance',
    flags: '--guidance <x>',
    description: `classifier-free guidance scale (${range('guidance')}; 1 disables)`,
    defaultText: String(DEFAULT_SAMPLING.guidance),
  },
  {
    key: 'topK',
    flags: '--top-k <n>',
    description: `top-k sampling (${range('topK')}; 0 disables)`,
    defaultText: String(DEFAULT_SAMPLING.topK),
  },
  {
    key: 'topP',
    flags: '--top-p <x>',
    description: `nucleus sampling (${range('topP')}; 0 disables, > 0 wins over top-k)`,
    defaultText: String(DEFAULT_SAMPLING.topP),
  },
  {
    key: 'temperature',
    flags: '--temperature <x>',
    description: `sampling temperature (${range('temperature')}; 0 is greedy)`,
    defaultText: String(DEFAULT_SAMPLING.temperature),
  },
  {
    key: 'seed',
    flags: '--seed <n>',
    description: `seed for jobs whose line gives none (0..${MAX_SEED})`,
    defaultText: 'derived from each job',
  },
  {
    key: 'maxAttempts',
    flags: '--max-attempts <n>',
    description: 'attempts per generation window before its job fails',
    defaultText: String(DEFAULT_WINDOW_ATTEMPTS),
  },
  {
    key: 'shard',
    flags: '--shard <i/n>',
    description: 'run only the i-th of n shards of the jobs (by key), to split a file over n workers',
    defaultText: '1/1',
  },
  {
    key: 'spool',
    flags: '--spool <dir>',
    description:
      'where finished WAVs wait while the store fails (uploaded when it is back, or first by the next run)',
    defaultText:
      '$XDG_CACHE_HOME/musicgen-batch/spool (~/.cache/..., %LOCALAPPDATA%\\musicgen-batch\\spool on Windows)',
  },
  {
    key: 'storeWait',
    flags: '--store-wait <seconds>',
    description:
      'how long finished WAVs wait in the spool for a failing store (generation is paused meanwhile) before the run gives up',
    defaultText: String(DEFAULT_STORE_WAIT_SECONDS),
  },
];
