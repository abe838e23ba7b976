import type { PreviewEngineOptions } from './preview-engine.js';

/** The command-line flags of `nx run preview:serve`, declared once (help is generated from this table). */
const FLAGS = [
  { flag: 'port', key: 'port', help: 'TCP port to listen on (0 = any free port)', fallback: '8001' },
  { flag: 'host', key: 'host', help: 'interface to bind', fallback: '127.0.0.1' },
  {
    flag: 'frames-per-second',
    key: 'framesPerSecond',
    help: 'throttle generation per request (0 = unthrottled)',
    fallback: '0',
  },
  {
    flag: 'progress-interval-frames',
    key: 'progressIntervalFrames',
    help: 'frames between streamed responses',
    fallback: '50',
  },
  {
    flag: 'max-decode-frames',
    key: 'maxDecodeFrames',
    help: 'max_frames published by encodec_decode',
    fallback: '3000',
  },
  {
    flag: 'max-concurrent-requests',
    key: 'maxConcurrentRequests',
    help: 'requests generated at once (published in the facts; later ones wait)',
    fallback: '16',
  },
  {
    flag: 'max-queue-size',
    key: 'maxQueueSize',
    help: 'requests that may wait for a slot before UNAVAILABLE',
    fallback: '256',
  },
  {
    flag: 'liveness-interval-ms',
    key: 'livenessIntervalMs',
    help: 'longest a request goes without a response (published in the facts)',
    fallback: '2000',
  },
] as const;

/** What the command line asks for: options for the engine, or help. */
export type ServeCommand = { help: true } | { help: false; options: Required<PreviewEngineOptions> };

/** Usage text for `--help`. */
export function serveUsage(): string {
  const lines = FLAGS.map((f) => `  --${f.flag.padEnd(26)} ${f.help} (default ${f.fallback})`);
  return [
    'Usage: nx run preview:serve [--port N] [--host H] [--frames-per-second F]',
    '',
    ...lines,
    '  --help',
  ].join('\n');
}

/**
 * Parses `serve` arguments: `--flag value` or `--flag=value`, kebab-case or camelCase (Nx forwards
 * both spellings).
 *
 * @throws {SyntaxError} for an unknown flag or a value that is not a number where one is needed.
 *
 * @example
 * ```ts
 * parseServeArgs(['--port', '9001']); // { help: false, options: { port: 9001, host: '127.0.0.1', ... } }
 * ```
 */
export function parseServeArgs(argv: readonly string[]): ServeCommand {
  const values = new Map<string, string>(FLAGS.map((f) => [f.key, f.fallback]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return { help: true };
    const match = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    const spec = match && FLAGS.find((f) => f.flag === match[1] || f.key === match[1]);
    if (!match || !spec)
      throw new SyntaxError(`Cannot start the preview engine: unknown argument: got '${arg}'`);
    const value = match[2] ?? argv[++i];
    if (value === undefined)
      throw new SyntaxError(`Cannot start the preview engine: --${spec.flag} needs a value`);
    values.set(spec.key, value);
  }
  const number = (key: string, flag: string) => {
    const text = values.get(key) as string;
    const parsed = Number(text);
    if (text.trim() === '' || !Number.isFinite(parsed)) {
      throw new SyntaxError(`Cannot start the preview engine: --${flag} must be a number: got '${text}'`);
    }
    return parsed;
  };
  return {
    help: false,
    options: {
      port: number('port', 'port'),
      host: values.get('host') as string,
      framesPerSecond: number('framesPerSecond', 'frames-per-second'),
      progressIntervalFrames: number('progressIntervalFrames', 'progress-interval-frames'),
      maxDecodeFrames: number('maxDecodeFrames', 'max-decode-frames'),
      maxConcurrentRequests: number('maxConcurrentRequests', 'max-concurrent-requests'),
      maxQueueSize: number('maxQueueSize', 'max-queue-size'),
      livenessIntervalMs: number('livenessIntervalMs', 'liveness-interval-ms'),
    },
  };
}
