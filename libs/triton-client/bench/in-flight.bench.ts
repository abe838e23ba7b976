// 200 windows in flight at once over one stream: every window must come back complete and correct.
import { MusicgenClient, TritonClient } from '../src/index.js';
import { fakeCodes } from '../src/testing/index.js';
import { startFakeServerProcess } from './fake-server-process.js';

export async function benchInFlight(windows = 200, frames = 1500): Promise<string[]> {
  const server = await startFakeServerProcess();
  const client = new TritonClient({ address: server.address });
  const musicgen = new MusicgenClient({ client });
  try {
    let peak = 0;
    const start = process.hrtime.bigint();
    const results = await Promise.allSettled(
      Array.from({ length: windows }, (_, i) =>
        musicgen.generateWindow({
          text: `window ${i}`,
          frames,
          seed: BigInt(i),
          onProgress: () => (peak = Math.max(peak, client.streamRequestsInFlight)),
        }),
      ),
    );
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    let correct = 0;
    results.forEach((result, i) => {
      if (result.status !== 'fulfilled') return;
      const expected = fakeCodes(BigInt(i), frames);
      if (
        result.value.frames === frames &&
        Buffer.compare(Buffer.from(result.value.data.buffer), Buffer.from(expected.buffer)) === 0
      ) {
        correct++;
      }
    });
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (correct !== windows)
      throw new Error(`Benchmark failed: ${correct} of ${windows} windows correct, ${failed} rejected`);
    return [
      `in flight: ${windows} windows × ${frames} frames over one stream: ${correct}/${windows} correct, ` +
        `${failed} failed, peak ${peak} in flight, wall ${wallMs.toFixed(0)} ms`,
    ];
  } finally {
    client.close();
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log((await benchInFlight()).join('\n'));
