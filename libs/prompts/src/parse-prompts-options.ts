import { SAMPLING_NAMES, samplingProblem, seedProblem } from '@musicgen/contract';
import { DEFAULT_GENERATION, type GenerationDefaults } from './generation-parameters.js';
import type { LineContext } from './parse-line.js';

/** Options of {@link parsePrompts} and {@link readPromptsFile}; every field is optional. */
export interface ParsePromptsOptions {
  /** Name used in messages: the file path for `readPromptsFile`, else `<input>`. */
  readonly source?: string;
  /** Model id and sampling parameters for lines that do not override them. Default {@link DEFAULT_GENERATION}. */
  readonly defaults?: Partial<GenerationDefaults>;
  /** Longest DURATION accepted, in seconds (0 < value <= 86400). Default 600. */
  readonly maxDurationSeconds?: number;
  /** Line errors kept in the result; the rest are only counted (`omittedErrors`). Default 1000. */
  readonly maxErrors?: number;
  /** Largest input accepted, in bytes. Default 64 MiB (67108864). */
  readonly maxBytes?: number;
  /**
   * Seed (0..4294967295) for lines that give none. It then counts in their identity exactly as a line's
   * own `seed=` does. Default: none, and each such line's seed is derived from its identity.
   */
  readonly seed?: number;
}

/** Options with every default filled in. */
export interface ResolvedParseOptions extends LineContext {
  readonly source: string;
  readonly maxErrors: number;
  readonly maxBytes: number;
}

const DEFAULT_MAX_DURATION_SECONDS = 600;
const LARGEST_MAX_DURATION_SECONDS = 86_400;
const DEFAULT_MAX_ERRORS = 1000;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const KNOWN_OPTIONS = new Set(['source', 'defaults', 'maxDurationSeconds', 'maxErrors', 'maxBytes', 'seed']);
const KNOWN_DEFAULTS = new Set(['modelId', 'guidance', 'topK', 'topP', 'temperature']);

/** Validates options and fills in defaults. */
export function resolveParseOptions(
  options: ParsePromptsOptions,
  defaultSource: string,
): ResolvedParseOptions {
  const fail = (name: string, reason: string, value: unknown): never => {
    const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
    throw new RangeError(`Cannot parse prompts: option ${name} ${reason}: got ${shown}`);
  };
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`Cannot parse prompts: options must be an object: got ${String(options)}`);
  }
  for (const name of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(name)) unknown(name, KNOWN_OPTIONS);
  }
  const {
    source = defaultSource,
    defaults = {},
    maxDurationSeconds = DEFAULT_MAX_DURATION_SECONDS,
    maxErrors = DEFAULT_MAX_ERRORS,
    maxBytes = DEFAULT_MAX_BYTES,
    seed,
  } = options;
  if (seed !== undefined) {
    const reason = seedProblem(seed);
    if (reason !== undefined) fail('seed', reason, seed);
  }
  if (typeof source !== 'string' || source === '') fail('source', 'must be a non-empty string', source);
  if (
    typeof maxDurationSeconds !== 'number' ||
    !(maxDurationSeconds > 0 && maxDurationSeconds <= LARGEST_MAX_DURATION_SECONDS)
  ) {
    fail(
      'maxDurationSeconds',
      `must be a number > 0 and <= ${LARGEST_MAX_DURATION_SECONDS}`,
      maxDurationSeconds,
    );
  }
  if (!Number.isSafeInteger(maxErrors) || maxErrors < 0)
    fail('maxErrors', 'must be an integer >= 0', maxErrors);
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) fail('maxBytes', 'must be an integer >= 1', maxBytes);
  if (defaults === null || typeof defaults !== 'object') fail('defaults', 'must be an object', defaults);
  for (const name of Object.keys(defaults)) {
    if (!KNOWN_DEFAULTS.has(name)) unknown(`defaults.${name}`, KNOWN_DEFAULTS);
  }
  const merged: GenerationDefaults = {
    ...DEFAULT_GENERATION,
    ...Object.fromEntries(Object.entries(defaults).filter(([, value]) => value !== undefined)),
  };
  if (typeof merged.modelId !== 'string' || merged.modelId.trim() === '') {
    fail('defaults.modelId', 'must be a non-empty string', merged.modelId);
  }
  for (const name of SAMPLING_NAMES) {
    const reason = samplingProblem(name, merged[name]);
    if (reason !== undefined) fail(`defaults.${name}`, reason, merged[name]);
  }
  return {
    source,
    defaults: Object.freeze(merged),
    maxDurationSeconds,
    maxErrors,
    maxBytes,
    ...(seed === undefined ? {} : { seed }),
  };
}

function unknown(name: string, known: ReadonlySet<string>): never {
  throw new TypeError(`Cannot parse prompts: option ${name} is unknown (known: ${[...known].join(', ')})`);
}
