/**
 * Makes the screenshot the top-level README shows: the example prompts run through the real batch
 * (preview engine) into a local S3 bucket (s3rver), the page served from it, Debian's Chromium showing
 * it. Usage, from the workspace root:
 *
 *   npx tsx --conditions=@musicgen/source apps/monitor/src/testing/page-screenshot.ts docs/page.png
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createS3Store } from '@musicgen/store';
import { S3RVER_CREDENTIALS, startS3rver } from '@musicgen/store/testing';
import { startPageServer } from '../page/page-server.js';
import { BROWSERS } from './browser.js';

const out = resolve(process.argv[2] ?? 'docs/page.png');
const root = resolve(import.meta.dirname, '../../../..');
const work = await mkdtemp(join(tmpdir(), 'musicgen-screenshot-'));
const s3 = await startS3rver({ buckets: ['musicgen-demo'] });
try {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: work,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
  };
  // Not spawnSync: s3rver answers from this very process.
  const batch = spawn(
    process.execPath,
    [
      join(root, 'apps/batch/bin/musicgen-batch.mjs'),
      '--prompts=examples/prompts.txt',
      '--out=s3://musicgen-demo/example',
    ],
    { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const code = await new Promise((done) => batch.on('close', done));
  if (code !== 0) throw new Error(`the batch failed with exit code ${code}`);
  const server = await startPageServer({
    store: createS3Store({ client: s3.client, bucket: 'musicgen-demo', prefix: 'example/' }),
    cacheDir: join(work, 'cache'),
    port: 0,
  });
  const browser = await BROWSERS.chromium.launch();
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 1000 });
    await page.goto(server.url, { waitUntil: 'load' });
    await page.waitForSelector('li.track canvas.wave');
    await page.waitForFunction(() =>
      [...document.images]
        .filter((img) => img.getBoundingClientRect().top < innerHeight)
        .every((img) => img.complete && img.naturalWidth > 0),
    );
    // Two seconds into the first track, paused: the waveform shows what was played.
    await page.$eval('li.track audio', async (a) => {
      const audio = a as HTMLAudioElement;
      await audio.play();
      await new Promise((r) => setTimeout(r, 2000));
      audio.pause();
    });
    await page.focus('li.track');
    await page.screenshot({ path: out });
    console.log(`Screenshot: ${out}`);
  } finally {
    await browser.close();
    await server.close();
  }
} finally {
  await s3.close();
  await rm(work, { recursive: true, force: true });
}
