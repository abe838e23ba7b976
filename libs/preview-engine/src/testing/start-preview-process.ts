import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The preview engine's command line (`nx run preview:serve`) running in a child process. */
export interface PreviewProcess {
  /** `host:port` to connect to. */
  readonly address: string;
  readonly child: ChildProcess;
  /** Stops the process with SIGSTOP: its port stays open and its connections stay up, but it answers nothing. */
  freeze(): void;
  /** Lets a frozen process run again (SIGCONT). */
  thaw(): void;
  /** Ends the process (thawing it first) and waits for its exit. */
  stop(): Promise<void>;
}

/** From the sources (tests in this workspace) main.ts runs under tsx; from the built package, main.js runs as is. */
const fromSource = import.meta.url.endsWith('.ts');
const main = fileURLToPath(new URL(fromSource ? '../main.ts' : '../main.js', import.meta.url));
const nodeArgs = fromSource ? ['--import', 'tsx', '--conditions=@musicgen/source', main] : [main];

/**
 * Starts the preview engine in a child process with the given command-line flags (for example
 * `['--liveness-interval-ms', '100']`) on a free port, and resolves once it listens. For tests of what
 * a client does when its server freezes or dies.
 *
 * @example
 * ```ts
 * const server = await startPreviewProcess(['--frames-per-second', '100']);
 * server.freeze(); // the client's requests now get no answer
 * await server.stop();
 * ```
 */
export async function startPreviewProcess(flags: readonly string[] = []): Promise<PreviewProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '--port', '0', ...flags], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  const address = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /listening on (\S+)/.exec(stderr);
      if (match) resolve(match[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`the preview engine exited with ${code}: ${stderr}`)));
  });
  const exited = once(child, 'exit');
  return {
    address,
    child,
    freeze: () => child.kill('SIGSTOP'),
    thaw: () => child.kill('SIGCONT'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
      await exited;
    },
  };
}
