import { runMain } from '@musicgen/cli';
import { MONITOR_PROGRAM } from './cli/monitor-program.js';
import { runCli } from './cli/run-cli.js';

// Ctrl-C ends a follow or a live view cleanly (exit 0); a second Ctrl-C quits at once.
const controller = new AbortController();
process.once('SIGINT', () => {
  controller.abort(new Error('interrupted'));
  process.once('SIGINT', () => process.exit(130));
});
await runMain(MONITOR_PROGRAM.name, ({ baseDir }) =>
  runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    baseDir,
    signal: controller.signal,
  }),
);
