import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalStore } from '@musicgen/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { fillPageStore } from '../testing/page-store.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'musicgen-page-cli-'));
  await fillPageStore(createLocalStore({ directory: join(work, 'output') }));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** Runs `musicgen-monitor page ...` in-process; `visit` runs once the address is printed, then Ctrl-C. */
async function page(
  argv: string[],
  env: Record<string, string> = {},
  visit?: (url: string) => Promise<void>,
) {
  let stdout = '';
  let stderr = '';
  const controller = new AbortController();
  let visited: Promise<void> = Promise.resolve();
  const code = await runCli(['page', ...argv], {
    stdout: {
      write: (text: string) => {
        stdout += text;
        visited = (visit?.(text.trim()) ?? Promise.resolve()).finally(() => controller.abort());
      },
    },
    stderr: { write: (text: string) => (stderr += text) },
    env: { XDG_CACHE_HOME: join(work, 'cache'), ...env },
    baseDir: work,
    signal: controller.signal,
  });
  await visited;
  return { code, stdout, stderr };
}

describe('monitor:page', () => {
  it('serves the runs of ./output (the batch default) on 127.0.0.1 and prints the address; Ctrl-C stops it', async () => {
    let runs: unknown;
    const result = await page(['--port=0'], {}, async (url) => {
      runs = ((await (await fetch(`${url}api/runs`)).json()) as { id: string }[]).map((r) => r.id);
    });
    const url = /^http:\/\/127\.0\.0\.1:\d+\/$/.exec(result.stdout.trim())?.[0];
    expect(url).toBeDefined();
    expect(result).toEqual({
      code: 0,
      stdout: `${url}\n`,
      stderr: `The runs in ${join(work, 'output')} are on ${url}: open it in a browser; Ctrl-C stops\n`,
    });
    expect(runs).toEqual(['run2', 'run1']);
  });

  it('reads the store from MUSICGEN_S3_BUCKET like the batch, and says when it cannot', async () => {
    const result = await page(['--port=0'], {
      MUSICGEN_S3_BUCKET: 'page-test',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'secret-value-never-printed',
      AWS_MAX_ATTEMPTS: '1',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^musicgen-monitor: Cannot show the runs in s3:\/\/page-test\/: .+\n$/);
    expect(result.stderr).not.toContain('secret-value-never-printed');
  }, 30_000);

  it('refuses a port that is taken (exit 2)', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      expect(await page([`--port=${port}`])).toEqual({
        code: 2,
        stdout: '',
        stderr: `musicgen-monitor: Cannot start the page as port ${port} on 127.0.0.1 is taken: choose another with --port (0 picks a free one)\n`,
      });
    } finally {
      taken.close();
    }
  });

  it('refuses a metrics address that is not http', async () => {
    expect(await page(['--metrics=127.0.0.1:8002'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'musicgen-monitor: Cannot use --metrics as it must be an http:// address such as http://127.0.0.1:8002/metrics: current value is "127.0.0.1:8002"\n',
    });
  });
});
