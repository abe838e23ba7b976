import { startPreviewProcess, type PreviewProcess } from '@musicgen/preview-engine/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli, tempWorkspace, wavFiles } from './testing/cli-process.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});

describe('musicgen-batch with a Triton frozen by SIGSTOP (the bin, real gRPC)', () => {
  it('fails the frozen windows within their liveness timeout and ends with exit code 1', async () => {
    const ws = await tempWorkspace('first ; 4 ; first\nsecond ; 4 ; second\n');
    cleanups.push(() => ws.close());
    const server: PreviewProcess = await startPreviewProcess([
      '--liveness-interval-ms',
      '100',
      '--frames-per-second',
      '100',
    ]);
    cleanups.push(() => server.stop());
    const args = ['--prompts', 'prompts.txt', '--triton', server.address, '--max-attempts', '2', '--json'];
    const run = startCli(args, { cwd: ws.dir });
    await run.waitForStderr(/2 jobs from prompts\.txt/);
    server.freeze();
    const frozenAt = performance.now();
    const { code, stdout } = await run.done;
    const seconds = (performance.now() - frozenAt) / 1000;
    const report = JSON.parse(stdout);
    const silent =
      'DEADLINE_EXCEEDED: no response within 1000 ms: the server stopped answering (frozen, overloaded or cut off)';
    expect([code, report.jobs.map((j: { status: string; error: string }) => [j.status, j.error])]).toEqual([
      1,
      [
        ['failed', silent],
        ['failed', silent],
      ],
    ]);
    // two attempts of one second of silence and a backoff of 250 ms to 500 ms, not minutes
    expect(seconds).toBeLessThan(10);
    expect(await wavFiles(`${ws.dir}/output`)).toEqual([]);
  }, 60_000);
});
