import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startPreviewEngine } from '@musicgen/preview-engine';
import { openStore } from '@musicgen/store';
import { S3RVER_CREDENTIALS, startS3rver, type RunningS3rver } from '@musicgen/store/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, runCliProcess, startCli, tempWorkspace } from './testing/cli-process.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const JOBS = 6;
const prompts =
  Array.from({ length: JOBS }, (_, i) => `outage texture ${i} ; 1 ; outage${i} ; seed=${i}`).join('\n') +
  '\n';

interface ReportJob {
  key: string;
  status: string;
  reason?: string;
  spooled?: boolean;
  windows?: number;
  retries?: number;
  error: string | null;
}

/** An s3rver on a fixed port and data folder, so it can be stopped and started again on the same data. */
async function restartableS3(dataDir: string) {
  const port = await freePort();
  let server: RunningS3rver | undefined = await startS3rver({
    buckets: ['renders'],
    directory: dataDir,
    port,
  });
  cleanups.push(async () => server?.close());
  return {
    env: {
      MUSICGEN_S3_BUCKET: 'renders',
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    },
    async stop() {
      await server?.close();
      server = undefined;
    },
    async start() {
      server = await startS3rver({ buckets: ['renders'], directory: dataDir, port });
    },
    async wavs(): Promise<string[]> {
      if (!server) throw new Error('s3rver is stopped');
      const store = await openStore('s3://renders', { s3Client: server.client });
      return (await store.list()).map((o) => o.key).filter((k) => k.endsWith('.wav') && !k.startsWith('_'));
    },
  };
}

async function setUp() {
  const ws = await tempWorkspace(prompts);
  cleanups.push(() => ws.close());
  const engine = await startPreviewEngine({ host: '127.0.0.1', framesPerSecond: 50 });
  cleanups.push(() => engine.close());
  const s3 = await restartableS3(join(ws.dir, 's3-data'));
  const spool = join(ws.dir, 'spool');
  const args = [
    '--prompts',
    'prompts.txt',
    '--triton',
    engine.url,
    '--concurrency',
    '1',
    '--spool',
    spool,
    '--json',
  ];
  return { dir: ws.dir, s3, spool, args };
}

/** Whole entries in the spool (`.json` files), over every run folder. */
async function spooled(spool: string): Promise<number> {
  const entries = await readdir(spool, { recursive: true }).catch(() => [] as string[]);
  return entries.filter((e) => /\d{6}-[0-9a-f]{8}\.json$/.test(e)).length;
}

describe('the store fails mid-run (child processes, s3rver stopped and started again)', () => {
  it('S3 down for longer than its retries: generation pauses, the WAVs wait in the spool, every job is stored once', async () => {
    const { s3, spool, args, dir } = await setUp();
    const run = startCli(args, { cwd: dir, env: s3.env });
    await run.waitForStderr(/outage0_[0-9a-f]{8}\.wav: generated/);
    await s3.stop();
    await run.waitForStderr(
      /Store failing \(.+\): generation paused; finished WAVs wait in the spool .+ until it is back/,
    );
    // Well past the S3 client's own retries (about 1 to 2 s).
    await pause(8_000);
    const during = await spooled(spool);
    await s3.start();
    const { code, stdout, stderr } = await run.done;
    const report = JSON.parse(stdout) as { jobs: ReportJob[]; summary: Record<string, number> };
    expect(code).toBe(0);
    expect(during).toBeGreaterThanOrEqual(1);
    // Paused: at most the window in flight when the store failed finished meanwhile, nothing more started.
    expect(during).toBeLessThanOrEqual(2);
    expect(stderr).toMatch(/Store back after \d+s: [12] spooled WAVs? uploaded; generation resumes/);
    expect(report.summary).toMatchObject({ total: JOBS, generated: JOBS, failed: 0 });
    // Each job made once: one window each, never retried.
    expect(report.jobs.map((j) => [j.status, j.windows, j.retries])).toEqual(
      Array(JOBS).fill(['generated', 1, 0]),
    );
    expect(report.jobs.filter((j) => j.spooled).length).toBe(during);
    expect((await s3.wavs()).sort()).toEqual(report.jobs.map((j) => j.key).sort());
    expect(await readdir(spool).catch(() => [])).toEqual([]);
  }, 180_000);

  it('a run killed with WAVs in its spool: the next run uploads them first and does not make them again', async () => {
    const { s3, spool, args, dir } = await setUp();
    const run = startCli(args, { cwd: dir, env: s3.env });
    await run.waitForStderr(/outage0_[0-9a-f]{8}\.wav: generated/);
    await s3.stop();
    await run.waitForStderr(/Store failing/);
    for (let i = 0; i < 100 && (await spooled(spool)) === 0; i += 1) await pause(100);
    const left = await spooled(spool);
    run.child.kill('SIGKILL');
    await run.done;
    expect(left).toBeGreaterThanOrEqual(1);
    const storedBefore = await (async () => {
      await s3.start();
      return (await s3.wavs()).length;
    })();

    const next = await runCliProcess(args, { cwd: dir, env: s3.env });
    const report = JSON.parse(next.stdout) as { jobs: ReportJob[] };
    expect(next.code).toBe(0);
    expect(next.stderr).toMatch(
      new RegExp(`${left} WAVs? left in the spool by a stopped run \\(.+\\): uploading (it|them) first`),
    );
    const skipped = report.jobs.filter((j) => j.status === 'skipped');
    expect(skipped.map((j) => j.reason)).toEqual(Array(storedBefore + left).fill('exists'));
    expect(report.jobs.filter((j) => j.status === 'generated').length).toBe(JOBS - storedBefore - left);
    expect((await s3.wavs()).length).toBe(JOBS);
    expect(await readdir(spool).catch(() => [])).toEqual([]);
  }, 180_000);

  it('gives up after --store-wait: unstarted jobs fail without being made, the spool stays for the next run', async () => {
    const { s3, spool, args, dir } = await setUp();
    const run = startCli([...args, '--store-wait', '3'], { cwd: dir, env: s3.env });
    await run.waitForStderr(/outage0_[0-9a-f]{8}\.wav: generated/);
    await s3.stop();
    const { code, stdout, stderr } = await run.done;
    const report = JSON.parse(stdout) as { jobs: ReportJob[] };
    expect(code).toBe(1);
    const left = await spooled(spool);
    expect(left).toBeGreaterThanOrEqual(1);
    expect(stderr).toMatch(
      new RegExp(
        `Store still failing after \\d+s \\(.+\\): giving up; ${left} WAVs? stay in the spool .+, and the next run uploads them first`,
      ),
    );
    const generated = report.jobs.filter((j) => j.status === 'generated').length;
    const inSpool = report.jobs.filter((j) =>
      /^the store failed for \d+s \(.+\); the WAV stays in the spool .+ and the next run uploads it first$/.test(
        j.error ?? '',
      ),
    );
    const notStarted = report.jobs.filter((j) =>
      /^not started: the store failed for \d+s \(.+\)$/.test(j.error ?? ''),
    );
    expect(generated).toBeGreaterThanOrEqual(1);
    expect(inSpool.length).toBe(left);
    expect(generated + inSpool.length + notStarted.length).toBe(JOBS);
  }, 180_000);
});
