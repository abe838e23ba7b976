import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** The fake server running in a child process. */
export interface FakeServerProcess {
  readonly address: string;
  stop(): Promise<void>;
}

/** Spawns `serve-fake.ts` with tsx and waits for the address it prints. */
export async function startFakeServerProcess(): Promise<FakeServerProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=@musicgen/source',
      new URL('./serve-fake.ts', import.meta.url).pathname,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [address] = (await once(lines, 'line')) as [string];
  return {
    address,
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
