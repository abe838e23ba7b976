// Streaming writer memory: streams 1 minute and 60 minutes of 32 kHz mono audio, generated one second at a
// time, into createWavWriter, each in a fresh child process, and reports peak RSS and heap growth while
// writing (no forced GC: garbage chunks from the generator count) and what is retained after close + GC.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWavWriter } from '../src/index.js';

const RATE_HZ = 32000;
const MB = 1024 * 1024;

function* seconds(count: number, reuse: boolean): Generator<Float32Array[]> {
  const shared = new Float32Array(RATE_HZ);
  for (let s = 0; s < count; s++) {
    const chunk = reuse ? shared : new Float32Array(RATE_HZ);
    for (let i = 0; i < chunk.length; i++)
      chunk[i] = 0.5 * Math.sin((2 * Math.PI * 440 * (s * RATE_HZ + i)) / RATE_HZ);
    yield [chunk];
  }
}

async function child(minutes: number, reuse: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wav-writer-bench-'));
  try {
    globalThis.gc?.();
    const before = process.memoryUsage();
    let peakHeap = before.heapUsed;
    let peakRss = before.rss;
    const started = performance.now();
    const writer = await createWavWriter(join(dir, 'long.wav'));
    for (const chunk of seconds(minutes * 60, reuse)) {
      await writer.write(chunk);
      const now = process.memoryUsage();
      peakHeap = Math.max(peakHeap, now.heapUsed);
      peakRss = Math.max(peakRss, now.rss);
    }
    const result = await writer.close();
    const elapsed = performance.now() - started;
    // Backing stores of collected arrays are freed asynchronously: collect a few times, yielding between.
    for (let i = 0; i < 3; i++) {
      globalThis.gc?.();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const after = process.memoryUsage();
    console.log(
      JSON.stringify({
        minutes,
        reuse,
        fileMB: result.bytes / 1e6,
        seconds: elapsed / 1000,
        rssBeforeMiB: before.rss / MB,
        peakRssMiB: peakRss / MB,
        rssGrowthMiB: (peakRss - before.rss) / MB,
        heapGrowthMiB: (peakHeap - before.heapUsed) / MB,
        retainedMiB: (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / MB,
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const arg = process.argv[2];
if (arg) {
  await child(Number(arg), process.argv[3] === 'reuse');
} else {
  console.log('createWavWriter, pcm16 mono, audio generated 1 s at a time (each size in its own process):');
  for (const [minutes, mode] of [
    [1, 'new'],
    [60, 'new'],
    [60, 'reuse'],
  ] as const) {
    const args = [...process.execArgv, '--expose-gc', fileURLToPath(import.meta.url), String(minutes), mode];
    const result = spawnSync(process.execPath, args, {
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(result.stderr);
    const r = JSON.parse(result.stdout) as Record<string, number>;
    const f = (key: string): string => (r[key] as number).toFixed(1);
    console.log(
      `  ${String(minutes).padStart(2)} min, ${mode === 'new' ? 'a new array per second' : 'one reused array    '}: ${f('fileMB')} MB written in ${f('seconds')} s; peak RSS ${f('peakRssMiB')} MiB ` +
        `(+${f('rssGrowthMiB')} MiB over the start), peak heap growth ${f('heapGrowthMiB')} MiB, ` +
        `retained after close and GC ${f('retainedMiB')} MiB`,
    );
  }
}
