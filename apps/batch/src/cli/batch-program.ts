import { defineProgram } from '@musicgen/cli';
import { BATCH_FLAGS } from '../config/flags.js';

/**
 * The `musicgen-batch` command line: its flags, `--help` and the README's flag table, from
 * {@link BATCH_FLAGS}.
 *
 * @example
 * ```ts
 * const parsed = BATCH_PROGRAM.parse(['--prompts', 'p.txt'], { env: process.env, writeOut: (t) => process.stdout.write(t) });
 * parsed?.options.format; // 'pcm16'
 * ```
 */
export const BATCH_PROGRAM = defineProgram({
  name: 'musicgen-batch',
  version: '0.1.0',
  description:
    'Turn a prompts file into WAV files with MusicGen on NVIDIA Triton, stored in S3 or a local folder.\n' +
    'Re-running the same file generates only what is missing.',
  epilog:
    'Exit codes: 0 all jobs generated or skipped; 1 a job failed or a line was invalid; 2 usage or\n' +
    'configuration error; 130/143 interrupted by SIGINT/SIGTERM (finished files are kept).\n' +
    'A 4th field on a prompt line overrides generation parameters: `calm piano ; 20 ; piano ; seed=7 guidance=4`.',
  flags: BATCH_FLAGS,
});
