// Throughput of the batch against a real CPU tritonserver (the pod runtime, tiny random weights)
// with 24 slots: the concurrency learned from the server's facts against the old fixed 16.
//   npx tsx --conditions=@musicgen/source tools/e2e/bench/learned-capacity.bench.ts
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { podServer, pythonEnvs, ROOT, saveRandomModel } from '../src/pod-server.js';

const run = promisify(execFile);
const SLOTS = 24;
const JOBS = 96;
const SECONDS = 8;

const envs = await pythonEnvs();
if (!envs.present)
  throw new Error(
    'Cannot run the benchmark as the Python environments are missing: run infra/triton/ci-setup.sh',
  );
const work = await mkdtemp(join(tmpdir(), 'musicgen-capacity-bench-'));
const model = join(work, 'model');
await saveRandomModel(envs, 'tiny-32k-slim', model);
await mkdir(join(work, 'volume'));
const server = await podServer({ envs, volume: join(work, 'volume'), model, slots: SLOTS });
await server.up();
try {
  const prompts = Array.from({ length: JOBS }, (_, i) => `bench piece ${i} ; ${SECONDS} ; bench${i}`).join(
    '\n',
  );
  await writeFile(join(work, 'prompts.txt'), prompts);
  const results: Record<string, number> = {};
  for (const [name, extra] of [
    ['fixed 16 (a server that publishes nothing)', ['--concurrency=16']],
    [`learned (${SLOTS} slots + margin)`, []],
    ['fixed 16 again', ['--concurrency=16']],
    [`learned again`, []],
  ] as const) {
    const started = performance.now();
    await run(
      process.execPath,
      [
        join(ROOT, 'apps/batch/bin/musicgen-batch.mjs'),
        '--prompts=prompts.txt',
        `--triton=${server.grpc}`,
        `--out=${join(work, `out-${Object.keys(results).length}`)}`,
        `--model=${model}`,
        ...extra,
      ],
      {
        cwd: work,
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', TRITON_URL: '' },
      },
    );
    const seconds = (performance.now() - started) / 1000;
    results[name] = (JOBS * SECONDS) / seconds;
    console.log(
      `${name}: ${JOBS} jobs of ${SECONDS} s in ${seconds.toFixed(1)} s = ${results[name]?.toFixed(1)} audio-s/s`,
    );
  }
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.versions.node}`);
} finally {
  await server.stop().catch(() => undefined);
  await rm(work, { recursive: true, force: true });
}
