import { CommanderError } from 'commander';
import { SshError } from '@musicgen/ssh';
import { DeployError } from '../deploy-error.js';
import { deployPod } from '../pod/deploy-pod.js';
import type { DeployIo } from '../pod/open-pod.js';
import { deployRun } from '../run/deploy-run.js';
import { buildProgram, PROGRAM_NAME } from './build-program.js';

/** Exit codes of the CLI. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

/** Where the CLI reads and writes; injectable for tests. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly baseDir: string;
  readonly workspaceRoot: string;
}

const CONFIG_CODES = new Set([
  'SSH_CONFIG',
  'HOST_KEY_MISMATCH',
  'HOST_KEY_UNKNOWN',
  'AUTH_FAILED',
  'CONFIG',
]);

/**
 * The whole `musicgen-deploy` command: parse, run `pod`, `run` or `and-monitor`, and report. Resolves
 * with the exit code: 0 done, 1 the pod, the run or the connection failed, 2 usage or configuration
 * (including a refused host key). Errors are one line on stderr, never a stack.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(['pod'], { stdout: process.stdout, stderr: process.stderr, env: process.env, baseDir: process.cwd(), workspaceRoot: '/repo' });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const say = (line: string) => io.stderr.write(line + '\n');
  const { program, parsed } = buildProgram((text) => io.stdout.write(text));
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return EXIT.OK;
      say(`${PROGRAM_NAME}: ${error.message.replace(/^error: /, '')} (see ${PROGRAM_NAME} --help)`);
      return EXIT.USAGE;
    }
    throw error;
  }
  const request = parsed();
  if (request === undefined) {
    io.stdout.write(program.helpInformation());
    return EXIT.USAGE;
  }
  const deployIo: DeployIo = {
    env: io.env,
    baseDir: io.baseDir,
    workspaceRoot: io.workspaceRoot,
    say,
    echo: (text) => io.stderr.write(text),
    out: (text) => io.stdout.write(text),
  };
  const { options, batchArgs } = request;
  try {
    switch (request.command) {
      case 'pod':
        await deployPod(deployIo, options);
        return EXIT.OK;
      case 'run': {
        const result = await deployRun(deployIo, { ...options, batchArgs });
        return result.exitCode ?? EXIT.OK;
      }
      case 'and-monitor': {
        await deployPod(deployIo, options);
        const result = await deployRun(deployIo, { ...options, batchArgs, attach: true });
        return result.exitCode ?? EXIT.FAILED;
      }
    }
  } catch (error) {
    if (error instanceof SshError || error instanceof DeployError) {
      say(`${PROGRAM_NAME}: ${error.message}`);
      return CONFIG_CODES.has(error.code) ? EXIT.USAGE : EXIT.FAILED;
    }
    say(`${PROGRAM_NAME}: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.FAILED;
  }
}
