import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { nodeSupportNotice } from '@musicgen/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchEnv, podServer, pythonEnvs, ROOT, saveRandomModel, type PodServer } from './pod-server.js';

const run = promisify(execFile);
const envs = await pythonEnvs();
/** More slots than the 16 a client assumes when a server publishes nothing. */
const SLOTS = 24;

let work: string;
let model: string;
let server: PodServer;

/** The value of an unlabelled-or-labelled gauge in Prometheus text, or undefined. */
function gauge(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe.skipIf(!envs.present)('keeping the server full', () => {
  beforeAll(async () => {
    nodeSupportNotice(process.env, process.version); // this process makes S3 clients too
    work = await mkdtemp(join(tmpdir(), 'musicgen-e2e-full-'));
    model = join(work, 'model');
    await saveRandomModel(envs, 'tiny-32k-slim', model);
    await mkdir(join(work, 'volume'));
    server = await podServer({ envs, volume: join(work, 'volume'), model, slots: SLOTS });
    await server.up();
  });

  afterAll(async () => {
    await server?.stop().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  });

  it(`keeps all ${SLOTS} slots of the server busy, as its own gauge reads, while there is work`, async () => {
    const prompts = Array.from({ length: 4 * SLOTS }, (_, i) => `busy piece ${i} ; 8 ; busy${i}`).join('\n');
    await writeFile(join(work, 'prompts.txt'), prompts);
    const samples: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const text = await fetch(server.metricsUrl).then(
          (r) => r.text(),
          () => '',
        );
        const inUse = gauge(text, 'musicgen_lm_slots_in_use');
        if (inUse !== undefined) samples.push(inUse);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    const { stdout } = await run(
      process.execPath,
      [
        join(ROOT, 'apps/batch/bin/musicgen-batch.mjs'),
        `--prompts=${join(work, 'prompts.txt')}`,
        `--triton=${server.grpc}`,
        '--out=out',
        `--model=${model}`,
        '--json',
      ],
      {
        cwd: work,
        env: batchEnv(),
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    sampling = false;
    await sampler;
    const report = JSON.parse(stdout);
    expect(report.summary).toMatchObject({ total: 4 * SLOTS, generated: 4 * SLOTS, failed: 0 });
    expect(report.servers).toMatchObject([{ capacity: SLOTS, capacitySource: 'facts' }]);
    // The steady part: the middle half of the time the server had work. A client that assumes 16
    // requests at once (a server that publishes nothing) cannot get there.
    const first = samples.findIndex((v) => v > 0);
    const last = samples.length - 1 - [...samples].reverse().findIndex((v) => v > 0);
    const span = last - first;
    const steady = samples
      .slice(first + Math.floor(span / 4), last - Math.floor(span / 4))
      .sort((a, b) => a - b);
    const median = steady[Math.floor(steady.length / 2)] ?? 0;
    expect({ sampled: steady.length >= 5, medianSlotsInUse: median >= SLOTS - 2 }).toEqual({
      sampled: true,
      medianSlotsInUse: true,
    });
    const metrics = await fetch(server.metricsUrl).then((r) => r.text());
    expect(gauge(metrics, 'musicgen_lm_slots')).toBe(SLOTS);
  });
});
