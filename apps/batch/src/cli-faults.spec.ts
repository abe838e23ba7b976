import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startPreviewEngine, type PreviewEngine } from '@musicgen/preview-engine';
import { AUDIO_METADATA_NAMES, openStore } from '@musicgen/store';
import { S3RVER_CREDENTIALS, startS3rver } from '@musicgen/store/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, runCliProcess, startCli, tempWorkspace, wavFiles } from './testing/cli-process.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});
async function workspace(prompts: string) {
  const ws = await tempWorkspace(prompts);
  cleanups.push(() => ws.close());
  return ws.dir;
}
async function engine(options: { port?: number; framesPerSecond?: number } = {}): Promise<PreviewEngine> {
  const e = await startPreviewEngine({ host: '127.0.0.1', ...options });
  cleanups.push(() => e.close());
  return e;
}
const lines = (n: number, seconds: number) =>
  Array.from({ length: n }, (_, i) => `texture number ${i} ; ${seconds} ; job${i} ; seed=${i}`).join('\n') +
  '\n';

describe('musicgen-batch under faults (child process, real gRPC)', () => {
  it('SIGINT mid-run keeps finished files, reports the rest as interrupted, and a re-run generates only what is missing', async () => {
    const dir = await workspace(lines(10, 1));
    const server = await engine({ framesPerSecond: 25 });
    const args = ['--prompts', 'prompts.txt', '--triton', server.url, '--concurrency', '2', '--json'];
    const run = startCli(args, { cwd: dir });
    await run.waitForStderr(/: generated: /);
    run.child.kill('SIGINT');
    const first = await run.done;
    const report = JSON.parse(first.stdout);
    expect(first.code).toBe(130);
    expect(first.stderr).toContain(
      'SIGINT: stopping: cancelling requests in flight, keeping finished files (again to quit at once)',
    );
    expect(report.interrupted).toBe('SIGINT');
    const generated = report.jobs.filter((j: { status: string }) => j.status === 'generated');
    const interrupted = report.jobs.filter((j: { status: string }) => j.status === 'failed');
    expect(generated.length).toBeGreaterThanOrEqual(1);
    expect(interrupted.length).toBeGreaterThanOrEqual(1);
    expect(generated.length + interrupted.length).toBe(10);
    for (const job of interrupted) expect([job.error, job.reason]).toEqual(['interrupted', 'interrupted']);
    const out = join(dir, 'output');
    expect(await wavFiles(out)).toEqual(generated.map((j: { key: string }) => j.key).sort());
    const leftovers = (await readdir(out)).filter(
      (f) => !f.endsWith('.wav') && !f.endsWith('.wav.meta.json'),
    );
    // Nothing but WAVs, their metadata and the reports (the store's own check probe may leave its empty folder).
    expect(leftovers.filter((f) => f !== '_musicgen-check')).toEqual(['reports']);
    for (const job of generated) expect((await stat(join(out, job.key))).size).toBe(44 + 50 * 640 * 2);

    const resumed = await runCliProcess(args, { cwd: dir });
    const second = JSON.parse(resumed.stdout);
    expect(resumed.code).toBe(0);
    expect(second.summary).toMatchObject({
      total: 10,
      generated: interrupted.length,
      skipped: generated.length,
      failed: 0,
    });
    expect((await wavFiles(out)).length).toBe(10);
  }, 180_000);

  it('retries windows while the Triton endpoint is down and loses no job when it comes back', async () => {
    const dir = await workspace(lines(6, 2));
    const port = await freePort();
    const first = await startPreviewEngine({ host: '127.0.0.1', port, framesPerSecond: 50 });
    const run = startCli(
      ['--prompts', 'prompts.txt', '--triton', `127.0.0.1:${port}`, '--concurrency', '3', '--json'],
      {
        cwd: dir,
      },
    );
    await run.waitForStderr(/started, 100 frames/);
    await first.close();
    await new Promise((r) => setTimeout(r, 1500));
    await engine({ port, framesPerSecond: 50 });
    const { code, stdout, stderr } = await run.done;
    const report = JSON.parse(stdout);
    expect(code).toBe(0);
    expect(report.summary).toMatchObject({ total: 6, generated: 6, failed: 0 });
    expect(
      report.jobs.reduce((n: number, j: { retries: number }) => n + j.retries, 0),
    ).toBeGreaterThanOrEqual(1);
    expect(stderr).toMatch(/attempt 1 failed \(UNAVAILABLE: .+\); retrying in \d+\.\d s/);
    expect((await wavFiles(join(dir, 'output'))).length).toBe(6);
  }, 180_000);

  it('writes to S3 (s3rver) from MUSICGEN_S3_BUCKET with metadata and the report under reports/', async () => {
    const dir = await workspace('soft rain ; 1 ; rain ; seed=5\n');
    const s3 = await startS3rver({ buckets: ['musicgen-test'] });
    cleanups.push(() => s3.close());
    const env = {
      MUSICGEN_S3_BUCKET: 'musicgen-test',
      MUSICGEN_S3_PREFIX: 'run-1',
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      MUSICGEN_S3_FORCE_PATH_STYLE: 'true',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    };
    const { code, stdout, stderr } = await runCliProcess(['--prompts', 'prompts.txt', '--json'], {
      cwd: dir,
      env,
    });
    expect(code).toBe(0);
    expect(stderr).not.toContain(S3RVER_CREDENTIALS.secretAccessKey);
    const report = JSON.parse(stdout);
    expect(report.location).toBe('s3://musicgen-test/run-1/');
    const key = report.jobs[0].key as string;
    const store = await openStore('s3://musicgen-test/run-1', { s3Client: s3.client });
    const listed = (await store.list()).map((o) => o.key).filter((k) => !k.startsWith('_'));
    expect(listed.filter((k) => k.endsWith('.wav'))).toEqual([key]);
    const base = `reports/${report.startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${report.id}`;
    expect(listed.filter((k) => k.startsWith('reports/'))).toEqual([
      `${base}.json`,
      `${base}.progress.json`,
      `${base}.txt`,
    ]);
    const head = await store.head(key);
    expect(head?.bytes).toBe(44 + 50 * 640 * 2);
    expect(head?.metadata[AUDIO_METADATA_NAMES.model]).toBe('musicgen-preview');
    expect(await wavFiles(join(dir, 'output'))).toEqual([]);
  }, 120_000);

  it('reads TRITON_URL from .env in the directory it is typed in, and a real environment variable wins', async () => {
    const dir = await workspace('a ; 1 ; a\n');
    const server = await engine();
    await writeFile(join(dir, '.env'), `TRITON_URL=${server.url}\n`);
    const fromFile = await runCliProcess(['--prompts', 'prompts.txt', '--dry-run'], { cwd: dir });
    expect([fromFile.code, fromFile.stderr]).toEqual([
      0,
      `Note: ${server.url} serves the preview engine (a synthesiser, not MusicGen)\n`,
    ]);
    await writeFile(join(dir, '.env'), 'TRITON_URL=127.0.0.1:1\n');
    const overridden = await runCliProcess(['--prompts', 'prompts.txt', '--dry-run'], {
      cwd: dir,
      env: { TRITON_URL: server.url },
    });
    expect([overridden.code, overridden.stderr]).toEqual([
      0,
      `Note: ${server.url} serves the preview engine (a synthesiser, not MusicGen)\n`,
    ]);
  }, 120_000);

  it('runs on several --triton endpoints, sizing the concurrency over all of them', async () => {
    const dir = await workspace(lines(6, 1));
    const [a, b] = [await engine(), await engine()];
    const { code, stdout, stderr } = await runCliProcess(
      ['--prompts', 'prompts.txt', '--triton', `${a?.url},${b?.url}`, '--json'],
      { cwd: dir },
    );
    expect(code).toBe(0);
    // each preview engine runs 16 requests at once (its published facts); 2 more wait at each
    expect(stderr).toContain(`36 windows in flight on ${a?.url}, ${b?.url}`);
    expect(stderr).toContain(
      'Warning: 6 jobs cannot fill the 32 requests the servers can run at once (a job has one window in flight at a time)',
    );
    const report = JSON.parse(stdout);
    expect(
      report.servers.map((s: { address: string; capacity: number; capacitySource: string }) => [
        s.address,
        s.capacity,
        s.capacitySource,
      ]),
    ).toEqual([
      [a?.url, 16, 'facts'],
      [b?.url, 16, 'facts'],
    ]);
    expect(report.summary).toMatchObject({ total: 6, generated: 6, failed: 0 });
  }, 120_000);
});
