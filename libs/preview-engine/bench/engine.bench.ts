/**
 * Preview engine throughput: code generation and decoding in-process, and generation + decoding
 * over real gRPC on loopback through the Triton client. Run: `npx nx run preview:bench`.
 * Prints a Markdown table; numbers are medians of several runs.
 */
import { MusicgenClient, TritonClient } from '@musicgen/triton-client';
import { cpus } from 'node:os';
import { generateReferenceCodes, type GenerationParams } from '../src/code-generator.js';
import { decodeCodes } from '../src/decode-codes.js';
import { startPreviewEngine } from '../src/preview-engine.js';

const FRAMES = 1500;
const params = (text: string, seed: bigint): GenerationParams => ({
  text,
  promptCodes: new Int32Array(0),
  promptFrames: 0,
  seed,
  guidanceScale: 3,
  topK: 250,
  topP: 0,
  temperature: 1,
});

async function median(runs: number, work: () => unknown | Promise<unknown>): Promise<number> {
  await work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

const rows: string[][] = [];
const add = (what: string, ms: number, frames: number) =>
  rows.push([
    what,
    ms.toFixed(1),
    Math.round((frames / ms) * 1000).toLocaleString('en'),
    `${((frames / 50 / ms) * 1000).toFixed(1)}×`,
  ]);

const prompts = ['calm lofi piano', 'upbeat synth pop', 'ambient pads', 'edm house, heavy bass'];
add(
  `generate codes in-process (4 windows × ${FRAMES} frames)`,
  await median(5, () => prompts.forEach((p, i) => generateReferenceCodes(params(p, BigInt(i)), FRAMES))),
  4 * FRAMES,
);
for (const prompt of ['calm lofi piano', 'edm house, heavy bass']) {
  const codes = generateReferenceCodes(params(prompt, 1n), FRAMES);
  add(`decode 30 s in-process ('${prompt}')`, await median(3, () => decodeCodes(codes, FRAMES)), FRAMES);
}

const engine = await startPreviewEngine();
const client = new TritonClient({ address: engine.url });
const musicgen = new MusicgenClient({ client });
add(
  `generate over gRPC: 20 windows × ${FRAMES} frames in flight on one stream`,
  await median(3, () =>
    Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        musicgen.generateWindow({ text: prompts[i % 4] as string, frames: FRAMES, seed: i }),
      ),
    ),
  ),
  20 * FRAMES,
);
const codes = await musicgen.generateWindow({ text: 'calm lofi piano', frames: FRAMES, seed: 1 });
add('decode 30 s over gRPC (unary encodec_decode)', await median(3, () => musicgen.decode(codes)), FRAMES);
client.close();
await engine.close();

console.log(`Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'})\n`);
console.log('| what | median ms | frames/s | × real time |');
console.log('|---|---:|---:|---:|');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
