import { resolve } from 'node:path';
import { resolveBaseDir } from './cli/base-dir.js';
import { loadEnvFile } from './cli/load-env-file.js';
import { runCli } from './cli/run-cli.js';

const baseDir = resolveBaseDir(process.env, process.cwd());
loadEnvFile(baseDir);
try {
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    baseDir,
    workspaceRoot: resolve(import.meta.dirname, '..', '..', '..'),
  });
} catch (error) {
  // runCli reports every expected failure itself; this is the last line of defence: one line, no stack.
  process.stderr.write(`musicgen-deploy: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
