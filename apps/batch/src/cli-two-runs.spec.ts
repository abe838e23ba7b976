import { join } from 'node:path';
import { startPreviewEngine } from '@musicgen/preview-engine';
import { motoServerPath, startMoto } from '@musicgen/store/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli, tempWorkspace, wavFiles } from './testing/cli-process.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});

const JOBS = 8;
const prompts =
  Array.from({ length: JOBS }, (_, i) => `shared texture ${i} ; 1 ; shared${i} ; seed=${i}`).join('\n') +
  '\n';

interface ReportJob {
  key: string;
  status: string;
  reason?: string;
}

const moto = await motoServerPath();
if (!moto.present && process.env['CI']) throw new Error(`moto's S3 server is missing in CI: ${moto.path}`);

/** Two runs of the same prompts into the same store, started together; returns both reports and stderrs. */
async function twoRunsAtOnce(out: string, env: Record<string, string> = {}) {
  const ws = await tempWorkspace(prompts);
  cleanups.push(() => ws.close());
  // Slow enough (2 s a job at one window in flight each) that the runs overlap for the whole batch.
  const engine = await startPreviewEngine({ host: '127.0.0.1', framesPerSecond: 25 });
  cleanups.push(() => engine.close());
  const args = [
    '--prompts',
    'prompts.txt',
    '--out',
    out,
    '--triton',
    engine.url,
    '--concurrency',
    '2',
    '--json',
  ];
  const runs = [startCli(args, { cwd: ws.dir, env }), startCli(args, { cwd: ws.dir, env })];
  const results = await Promise.all(runs.map((r) => r.done));
  return { dir: ws.dir, results, reports: results.map(reportOf) };
}

/** The run's --json report; a run that printed none fails the test with its exit code and stderr. */
function reportOf(result: { code: number | null; stdout: string; stderr: string }): { jobs: ReportJob[] } {
  try {
    return JSON.parse(result.stdout) as { jobs: ReportJob[] };
  } catch {
    throw new Error(`a run printed no JSON report (exit ${result.code}); its stderr:\n${result.stderr}`);
  }
}

function expectEachJobMadeOnce(
  results: { code: number | null; stderr: string }[],
  reports: { jobs: ReportJob[] }[],
) {
  expect(results.map((r) => r.code)).toEqual([0, 0]);
  const generated = reports.flatMap((r) => r.jobs.filter((j) => j.status === 'generated').map((j) => j.key));
  const keys = reports[0]?.jobs.map((j) => j.key).sort();
  // Every job generated exactly once over both runs; the other run skipped it.
  expect(generated.sort()).toEqual(keys);
  for (const report of reports) {
    for (const job of report.jobs.filter((j) => j.status !== 'generated')) {
      expect(job).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^(other-run|exists)$/) });
    }
  }
  const warned = results.filter((r) =>
    /Warning: run [0-9a-f]{8} \(pid \d+ on .+\) is working on this store too: this run leaves it the jobs it holds and checks them again when it lets go/.test(
      r.stderr,
    ),
  );
  expect(warned.length).toBeGreaterThanOrEqual(1);
}

describe('two runs of one prompts file on one store at once (child processes)', () => {
  it('a local folder: every job is made once, by one run or the other', async () => {
    const { dir, results, reports } = await twoRunsAtOnce('output');
    expectEachJobMadeOnce(results, reports);
    expect((await wavFiles(join(dir, 'output'))).length).toBe(JOBS);
  }, 180_000);

  it.skipIf(!moto.present)(
    'S3 that honours conditional writes (moto): every job is made once',
    async () => {
      const server = await startMoto({ buckets: ['shared-renders'] });
      cleanups.push(() => server.close());
      const { results, reports } = await twoRunsAtOnce('s3://shared-renders/run', {
        AWS_ENDPOINT_URL_S3: server.endpoint,
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'moto',
        AWS_SECRET_ACCESS_KEY: 'moto',
      });
      expectEachJobMadeOnce(results, reports);
      for (const { stderr } of results) expect(stderr).not.toContain('job leases are advisory');
    },
    180_000,
  );
});
