/**
 * Benchmark: readPromptsFile over a generated 100 000-line prompts file.
 *
 *   npx nx run prompts:bench
 *
 * Writes the file to a temporary directory, parses it once to warm up, then RUNS times, and prints the
 * median, min and max wall time, and the median CPU time of this process (user + system), which says
 * more than wall time on a busy shared machine. Target: median wall time under 300 ms.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readPromptsFile } from '../src/index.js';
import { readLines } from '../src/read-lines.js';

const LINES = 100_000;
const RUNS = 7;
const TARGET_MS = 300;

const MOODS = ['calm', 'dark', 'uplifting', 'dreamy', 'aggressive', 'melancholic', 'playful', 'epic'];
const STYLES = ['piano ballad', 'lo-fi hip hop beat', 'orchestral score', 'synthwave track', 'jazz trio'];

function line(i: number): string {
  const mood = MOODS[i % MOODS.length] ?? '';
  const style = STYLES[i % STYLES.length] ?? '';
  if (i % 1000 === 0) return `# section ${i / 1000}`;
  if (i % 20 === 1)
    return `${mood} ${style}; tempo ${60 + (i % 120)} bpm ; ${i % 10}:${String(i % 60).padStart(2, '0')} ; track-${i}.wav ; seed=${i} guidance=3.5`;
  if (i % 20 === 2) return `Café-Musik, ${mood} ${style} — Zürich 🎹 ; ${(i % 300) + 0.5}s ; café-${i}`;
  return `a ${mood} ${style} with warm pads and a steady groove, take ${i} ; ${(i % 590) + 10} ; ${style.replaceAll(' ', '-')}-${i}`;
}

/** Median wall and CPU milliseconds of `RUNS` calls of `work`. */
async function measure(work: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    await work();
    walls.push(performance.now() - start);
    const cpu = process.cpuUsage(cpuStart);
    cpus.push((cpu.user + cpu.system) / 1000);
  }
  const median = (values: number[]): number =>
    values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  return { wall: median(walls), cpu: median(cpus) };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'prompts-bench-'));
  try {
    const path = join(dir, 'prompts.txt');
    await writeFile(path, `${Array.from({ length: LINES }, (_, i) => line(i)).join('\n')}\n`);
    const { size } = await stat(path);
    const warm = await readPromptsFile(path);
    if (warm.errors.length > 0)
      throw new Error(`benchmark file has errors: ${JSON.stringify(warm.errors[0])}`);
    const times: number[] = [];
    const cpuTimes: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      const result = await readPromptsFile(path);
      times.push(performance.now() - start);
      const cpu = process.cpuUsage(cpuStart);
      cpuTimes.push((cpu.user + cpu.system) / 1000);
      if (result.jobs.length !== warm.jobs.length) throw new Error('job count changed between runs');
    }
    times.sort((a, b) => a - b);
    cpuTimes.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] ?? Number.NaN;
    const cpuMedian = cpuTimes[Math.floor(cpuTimes.length / 2)];
    const ms = (value: number | undefined): string => `${(value ?? Number.NaN).toFixed(1)} ms`;
    console.log(`readPromptsFile: ${LINES} lines, ${(size / 1e6).toFixed(2)} MB, ${warm.jobs.length} jobs`);
    console.log(
      `runs: ${RUNS} (after 1 warm-up): median ${ms(median)}, min ${ms(times[0])}, max ${ms(times.at(-1))}; CPU time median ${ms(cpuMedian)}`,
    );
    console.log(
      `throughput at the median: ${Math.round(LINES / (median / 1000))} lines/s, ${(size / 1e6 / (median / 1000)).toFixed(1)} MB/s`,
    );
    console.log(`target: median under ${TARGET_MS} ms: ${median < TARGET_MS ? 'met' : 'MISSED'}`);
    const split = await measure(async () => {
      let lines = 0;
      const chunks = createReadStream(path, { highWaterMark: 1024 * 1024 });
      for await (const batch of readLines(chunks, { source: path, maxBytes: size })) lines += batch.length;
      return lines;
    });
    const canonical = warm.jobs.map(
      (job) => `["musicgen-job/v1",3,250,0,1,${job.frames},null,"${job.prompt}"]`,
    );
    const hashing = await measure(async () => canonical.map((text) => hash('sha256', text, 'hex')));
    console.log(
      `parts (median wall / CPU): read + UTF-8 decode + split lines ${ms(split.wall)} / ${ms(split.cpu)}; ` +
        `${canonical.length} SHA-256 of canonical-sized strings ${ms(hashing.wall)} / ${ms(hashing.cpu)}`,
    );
    console.log(
      `machine: ${cpus().length} CPUs, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`,
    );
    console.log(
      `load average (1, 5, 15 min): ${loadavg()
        .map((value) => value.toFixed(2))
        .join(', ')}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
