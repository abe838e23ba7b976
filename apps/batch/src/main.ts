import { runMain } from '@musicgen/cli';
import { BATCH_PROGRAM } from './cli/batch-program.js';
import { runCli } from './cli/run-cli.js';

await runMain(BATCH_PROGRAM.name, ({ baseDir }) =>
  runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    baseDir,
  }),
);
