// Benchmark of the batch pipeline against the preview engine (run in a child process):
// client CPU per job, peak RSS, and how steadily the configured number of windows stays in flight.
//
//   npx nx run batch:bench                      # 1000 jobs of 10 s, 16 windows in flight
//   npx nx run batch:bench --jobs=200 --seconds=10 --concurrency=16
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parsePrompts } from '@musicgen/prompts';
import { openStore } from '@musicgen/store';
import { connectBackend } from '../src/backend/connect-backend.js';
import { prepareJobs } from '../src/pipeline/prepare-jobs.js';
import { runBatch } from '../src/pipeline/run-batch.js';
import { ProgressModel } from '../src/progress/progress-model.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '16' },
  },
});
const jobsCount = Number(values.jobs);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);

const server = spawn(
  process.execPath,
  ['--conditions=@musicgen/source', '--import', 'tsx', join(import.meta.dirname, 'preview-server.ts')],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const url = await new Promise<string>((resolve, reject) => {
  server.stdout.setEncoding('utf8').once('data', (d: string) => resolve(d.trim()));
  server.once('exit', (code) => reject(new Error(`preview server exited with ${code}`)));
});
const dir = await mkdtemp(join(tmpdir(), 'musicgen-batch-bench-'));
try {
  const text = Array.from(
    { length: jobsCount },
    (_, i) => `bench texture ${i}, warm pads ; ${seconds} ; bench${i}`,
  ).join('\n');
  const parsed = await parsePrompts(text, { defaults: { modelId: 'musicgen-preview' } });
  const { jobs, duplicates } = prepareJobs(parsed.jobs);
  const store = await openStore(dir);
  const connected = await connectBackend([url]);
  const progress = new ProgressModel({ jobsTotal: jobs.length, audioSecondsTotal: jobsCount * seconds });
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const report = setInterval(() => {
    const s = progress.snapshot();
    process.stderr.write(
      `${new Date().toISOString()} ${s.jobsDone}/${s.jobsTotal} jobs, ${Math.round(s.framesPerSecond)} frames/s, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB\n`,
    );
  }, 30_000);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { entries, occupancy } = await runBatch({
    jobs,
    duplicates,
    config: { force: false, format: 'pcm16', normalize: 'peak', maxAttempts: 8 },
    concurrency,
    backend: connected.backend,
    store,
    progress,
    signal: new AbortController().signal,
  });
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  clearInterval(report);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  connected.close();
  const steadyMs = occupancy.msAtLevel.reduce((a, b) => a + b, 0);
  const fullMs = occupancy.msAtLevel[concurrency] ?? 0;
  const generated = entries.filter((e) => e.status === 'generated').length;
  const result = {
    jobs: jobsCount,
    secondsPerJob: seconds,
    concurrency,
    generated,
    failed: entries.filter((e) => e.status === 'failed').length,
    wallSeconds: Number(wallS.toFixed(1)),
    audioSecondsPerSecond: Number(((generated * seconds) / wallS).toFixed(2)),
    clientCpuMsPerJob: Number(((cpu.user + cpu.system) / 1000 / jobsCount).toFixed(2)),
    clientCpuUserMsPerJob: Number((cpu.user / 1000 / jobsCount).toFixed(2)),
    peakRssMiB: Number((peakRss / 2 ** 20).toFixed(1)),
    windowsStarted: occupancy.windowsStarted,
    peakInFlight: occupancy.peakInFlight,
    steadyStateSeconds: Number((steadyMs / 1000).toFixed(1)),
    steadyStateAtCapacityPercent: Number(((100 * fullMs) / Math.max(1, steadyMs)).toFixed(2)),
    gapsBelowCapacity: {
      count: occupancy.gaps.count,
      totalMs: Math.round(occupancy.gaps.totalMs),
      longestMs: Math.round(occupancy.gaps.longestMs),
    },
    msAtLevel: occupancy.msAtLevel.map(Math.round),
    drainSeconds: Number((occupancy.drainMsAtLevel.reduce((a, b) => a + b, 0) / 1000).toFixed(1)),
  };
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
} finally {
  server.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
}
