// Client CPU per streamed window, excluding generation: windows of 1500 frames (30 responses of 50
// frames + the empty final response each) against a server in another process that answers at once.
// Several rounds; the minimum is the least disturbed by other work on the machine, the median is shown too.
import { MusicgenClient, TritonClient } from '../src/index.js';
import { startFakeServerProcess } from './fake-server-process.js';

export interface StreamCpuOptions {
  readonly windowsPerRound?: number;
  readonly rounds?: number;
  readonly concurrency?: number;
  readonly modes?: readonly ('shared' | 'per-request')[];
}

export async function benchStreamCpu(options: StreamCpuOptions = {}): Promise<string[]> {
  const { windowsPerRound = 1000, rounds = 5, concurrency = 50, modes = ['shared', 'per-request'] } = options;
  const server = await startFakeServerProcess();
  const lines: string[] = [];
  try {
    for (const streamMode of modes) {
      const client = new TritonClient({ address: server.address, streamMode });
      const musicgen = new MusicgenClient({ client });
      const run = async (count: number): Promise<void> => {
        let next = 0;
        const worker = async (): Promise<void> => {
          while (next < count) {
            next++;
            await musicgen.generateWindow({ text: 'bench', frames: 1500, seed: BigInt(next) });
          }
        };
        await Promise.all(Array.from({ length: concurrency }, worker));
      };
      await run(300); // warm-up: JIT, connection, stream
      const perWindow: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const cpu = process.cpuUsage();
        await run(windowsPerRound);
        const { user, system } = process.cpuUsage(cpu);
        perWindow.push((user + system) / 1000 / windowsPerRound);
      }
      perWindow.sort((a, b) => a - b);
      const median = perWindow[Math.floor(rounds / 2)] as number;
      lines.push(
        `stream CPU, ${streamMode} stream, ${rounds} rounds × ${windowsPerRound} windows × 1500 frames ` +
          `(31 responses each), ${concurrency} concurrent: min ${(perWindow[0] as number).toFixed(3)} ms, ` +
          `median ${median.toFixed(3)} ms client CPU per window`,
      );
      client.close();
    }
  } finally {
    await server.stop();
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log((await benchStreamCpu()).join('\n'));
