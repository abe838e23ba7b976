import { resolveBaseDir } from './cli/base-dir.js';
import { loadEnvFile } from './cli/load-env-file.js';
import { runCli } from './cli/run-cli.js';

const baseDir = resolveBaseDir(process.env, process.cwd());
loadEnvFile(baseDir);
// Ctrl-C ends a follow or a live view cleanly (exit 0); a second Ctrl-C quits at once.
const controller = new AbortController();
process.once('SIGINT', () => {
  controller.abort(new Error('interrupted'));
  process.once('SIGINT', () => process.exit(130));
});
try {
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    baseDir,
    signal: controller.signal,
  });
} catch (error) {
  process.stderr.write(`musicgen-monitor: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
