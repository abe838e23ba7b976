import { EXIT, runProgram } from '@musicgen/cli';
import { SshError } from '@musicgen/ssh';
import { DeployError } from '../deploy-error.js';
import { deployPod } from '../pod/deploy-pod.js';
import type { DeployIo } from '../pod/open-pod.js';
import { deployRun } from '../run/deploy-run.js';
import { DEPLOY_PROGRAM } from './deploy-program.js';

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
  const deployIo: DeployIo = {
    env: io.env,
    baseDir: io.baseDir,
    workspaceRoot: io.workspaceRoot,
    say: (line) => io.stderr.write(line + '\n'),
    echo: (text) => io.stderr.write(text),
    out: (text) => io.stdout.write(text),
  };
  return runProgram(DEPLOY_PROGRAM, argv, io, {
    run: async (request) => {
      switch (request.command) {
        case 'pod':
          await deployPod(deployIo, request.options);
          return EXIT.OK;
        case 'run': {
          const result = await deployRun(deployIo, { ...request.options, batchArgs: request.rest });
          return result.exitCode ?? EXIT.OK;
        }
        case 'and-monitor': {
          const { options, rest } = request;
          await deployPod(deployIo, options);
          const result = await deployRun(deployIo, { ...options, batchArgs: rest, attach: true });
          return result.exitCode ?? EXIT.FAILED;
        }
      }
    },
    isUsageError: (error) =>
      (error instanceof SshError || error instanceof DeployError) && CONFIG_CODES.has(error.code),
  });
}
