import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { config } from 'dotenv';
import { nodeSupportNotice } from './node-support.js';
import { errorMessage } from './run-program.js';

/**
 * The directory the user typed the command in. Under `nx run` the command runs at the workspace root,
 * while npm/npx record the directory it was typed in as `INIT_CWD`; Nx marks its tasks with
 * `NX_TASK_TARGET_PROJECT`. Everywhere else it is the working directory.
 *
 * @example
 * ```ts
 * resolveBaseDir({ NX_TASK_TARGET_PROJECT: 'batch', INIT_CWD: '/repo/songs' }, '/repo'); // '/repo/songs'
 * ```
 */
export function resolveBaseDir(env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  const typedIn = env['INIT_CWD'];
  return env['NX_TASK_TARGET_PROJECT'] && typedIn ? typedIn : cwd;
}

/**
 * Loads `.env` from `directory` into `env` when the file exists. Variables already set win; values
 * are never printed.
 *
 * @example
 * ```ts
 * loadEnvFile(process.cwd(), process.env);
 * ```
 */
export function loadEnvFile(directory: string, env: Record<string, string | undefined>): void {
  const path = join(directory, '.env');
  if (existsSync(path))
    config({ path, quiet: true, override: false, processEnv: env as Record<string, string> });
}

/** What {@link runMain} gives the command. */
export interface MainContext {
  /** Where relative paths on the command line are resolved from: see {@link resolveBaseDir}. */
  readonly baseDir: string;
}

/**
 * The entry point of a command: finds the directory it was typed in, loads `.env` from there into
 * `process.env`, prints {@link nodeSupportNotice}'s line on a Node.js older than the workspace
 * supports (and keeps the AWS SDK's own warning quiet), runs `main` and sets `process.exitCode` to
 * what it resolves with. An error that `main` did not handle still ends as one line, `name: message`,
 * and exit code 1.
 *
 * @example
 * ```ts
 * // src/main.ts
 * await runMain('musicgen-monitor', ({ baseDir }) => runCli(process.argv.slice(2), { ...io, baseDir }));
 * ```
 */
export async function runMain(name: string, main: (context: MainContext) => Promise<number>): Promise<void> {
  const baseDir = resolveBaseDir(process.env, process.cwd());
  loadEnvFile(baseDir, process.env);
  const notice = nodeSupportNotice(process.env, process.version);
  if (notice) process.stderr.write(`${notice}\n`);
  try {
    process.exitCode = await main({ baseDir });
  } catch (error) {
    process.stderr.write(`${name}: ${errorMessage(error)}\n`);
    process.exitCode = 1;
  }
}
