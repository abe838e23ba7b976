import { parseArgs } from 'node:util';
import { parseStoreLocation } from '@musicgen/store';

/** The local stack's settings, from the command line. */
export interface DevstackOptions {
  /** Port of the local S3 server; 0 picks a free one. */
  s3Port: number;
  /** Where the S3 server keeps its data, relative to the working directory. */
  dataDir: string;
  /** The bucket created at start-up. */
  bucket: string;
  /** Port of the preview engine (Triton gRPC protocol); 0 picks a free one. */
  tritonPort: number;
  /** Address both servers listen on. */
  host: string;
}

/** Every flag, declared once: `--help` is generated from this table. */
const FLAGS = {
  's3-port': { type: 'string', default: '4569', help: 'port of the local S3 server (0 = any free port)' },
  'triton-port': { type: 'string', default: '8001', help: 'port of the preview engine (0 = any free port)' },
  'data-dir': { type: 'string', default: '.devstack/s3', help: 'data folder of the local S3 server' },
  bucket: { type: 'string', default: 'musicgen-dev', help: 'bucket created at start-up' },
  host: { type: 'string', default: '127.0.0.1', help: 'address to listen on' },
  help: { type: 'boolean', default: false, help: 'show this help' },
} as const;

/** The usage text printed by `--help`. */
export const USAGE = [
  'Usage: nx run devstack:up [options]',
  '',
  'Starts a local S3 protocol server with a bucket and the preview engine (a synthesiser speaking',
  "Triton's protocol, not MusicGen), prints the environment lines to use, and runs until Ctrl-C.",
  '',
  'Options:',
  ...Object.entries(FLAGS).map(([name, flag]) => {
    const value = flag.type === 'string' ? ' <value>' : '';
    const fallback = flag.type === 'string' ? ` (default: ${flag.default})` : '';
    return `  --${(name + value).padEnd(20)} ${flag.help}${fallback}`;
  }),
  '',
].join('\n');

/** A command-line mistake: the message says what to change; exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
}

/**
 * Parses the command line; `'help'` when `--help` was given.
 *
 * @example
 * ```ts
 * parseDevstackArgs(['--s3-port', '0']); // { s3Port: 0, tritonPort: 8001, dataDir: '.devstack/s3', bucket: 'musicgen-dev', host: '127.0.0.1' }
 * ```
 */
export function parseDevstackArgs(args: string[]): DevstackOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(
      Object.entries(FLAGS).map(([name, flag]) => [name, { type: flag.type, default: flag.default }]),
    ) as Record<string, { type: 'string'; default: string } | { type: 'boolean'; default: boolean }>;
    ({ values } = parseArgs({ args, options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(
      `Cannot start the local stack: ${(error as Error).message.replace(/\s*\n\s*/g, ' ')}; see --help`,
    );
  }
  if (values.help) return 'help';
  const port = (flag: 's3-port' | 'triton-port'): number => {
    const text = String(values[flag]);
    if (!/^\d+$/.test(text) || Number(text) > 65535) {
      throw new UsageError(
        `Cannot start the local stack: --${flag} must be an integer from 0 to 65535: got ${JSON.stringify(text)}`,
      );
    }
    return Number(text);
  };
  const s3Port = port('s3-port');
  const tritonPort = port('triton-port');
  const bucket = String(values.bucket);
  try {
    parseStoreLocation(`s3://${bucket}`);
  } catch (error) {
    throw new UsageError(
      `Cannot start the local stack: --bucket is not a valid bucket name: ${(error as Error).message}`,
    );
  }
  const dataDir = String(values['data-dir']);
  if (dataDir.trim() === '')
    throw new UsageError('Cannot start the local stack: --data-dir is empty: got ""');
  return { s3Port, tritonPort, dataDir, bucket, host: String(values.host) };
}
