import { runMain } from '@musicgen/cli';
import { quietNodeVersionWarning } from '@musicgen/store';
import { BATCH_PROGRAM } from './cli/batch-program.js';
import { runCli } from './cli/run-cli.js';

await runMain(BATCH_PROGRAM.name, ({ baseDir }) => {
  const nodeNotice = quietNodeVersionWarning(process.env, process.versions.node);
  if (nodeNotice) process.stderr.write(`${nodeNotice}\n`);
  return runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    baseDir,
  });
});
