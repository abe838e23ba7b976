import { resolve } from 'node:path';
import { runMain } from '@musicgen/cli';
import { DEPLOY_PROGRAM } from './cli/deploy-program.js';
import { runCli } from './cli/run-cli.js';

await runMain(DEPLOY_PROGRAM.name, ({ baseDir }) =>
  runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    baseDir,
    workspaceRoot: resolve(import.meta.dirname, '..', '..', '..'),
  }),
);
