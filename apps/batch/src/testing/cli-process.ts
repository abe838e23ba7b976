import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The bin entry users run. */
export const BIN = resolve(import.meta.dirname, '../../bin/musicgen-batch.mjs');

/** A CLI run in a child process. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** Resolves once stderr matches `pattern`. */
  waitForStderr(pattern: RegExp): Promise<void>;
  /** Resolves when the process exits. */
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** The environment of a CLI run: no Triton, S3 or Nx variables leak in from the test runner. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(TRITON_|MUSICGEN_|AWS_|NX_|INIT_CWD|npm_)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extra };
}

/** Starts `musicgen-batch args...` in `cwd`. */
export function startCli(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: cleanEnv(options.env) });
  let stdout = '';
  let stderr = '';
  const watchers: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    for (const w of [...watchers]) {
      if (w.pattern.test(stderr)) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolveDone) =>
    child.on('close', (code) => resolveDone({ code, stdout, stderr })),
  );
  return {
    child,
    done,
    waitForStderr: (pattern) =>
      new Promise<void>((resolveWait, reject) => {
        if (pattern.test(stderr)) return resolveWait();
        watchers.push({ pattern, resolve: resolveWait });
        void done.then(() =>
          reject(new Error(`the CLI exited before printing ${pattern}; stderr:\n${stderr}`)),
        );
      }),
  };
}

/** Runs the CLI to the end. */
export function runCliProcess(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
) {
  return startCli(args, options).done;
}

/** A temporary directory with a prompts file in it. */
export async function tempWorkspace(prompts: string): Promise<{ dir: string; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'musicgen-batch-'));
  await writeFile(join(dir, 'prompts.txt'), prompts);
  return { dir, close: () => rm(dir, { recursive: true, force: true }) };
}

/** WAV files in a directory, sorted. */
export async function wavFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => f.endsWith('.wav')).sort();
  } catch {
    return [];
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}
