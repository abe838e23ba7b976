import { S3Client } from '@aws-sdk/client-s3';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createS3Client, createS3Store, s3SettingsFromEnv } from '@musicgen/store';
import { TritonClient } from '@musicgen/triton-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const workspaceRoot = resolve(import.meta.dirname, '../../..');
const tsxCli = join(workspaceRoot, 'node_modules/tsx/dist/cli.mjs');
const mainTs = join(workspaceRoot, 'apps/devstack/src/main.ts');

/** Runs the stack like `nx run devstack:up` does (tsx with the source condition), from the workspace root. */
function startStack(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [tsxCli, '--conditions=@musicgen/source', mainTs, ...args], {
    cwd: workspaceRoot,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
}

function waitForLine(child: ChildProcessWithoutNullStreams, pattern: RegExp): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (pattern.test(out)) {
        child.stdout.off('data', onData);
        resolvePromise(out);
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the stack exited with ${code} before printing: ${out}`)));
  });
}

function exitOf(
  child: ChildProcessWithoutNullStreams,
): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolvePromise) =>
    child.once('exit', (code, signal) => resolvePromise({ code, signal })),
  );
}

// Starting tsx in a child process takes seconds on a loaded machine: generous guards, no timing asserted.
describe('nx run devstack:up', { timeout: 60_000 }, () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'musicgen-devstack-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'prints working environment lines and stops cleanly on %s',
    async (signal) => {
      const child = startStack([
        '--s3-port',
        '0',
        '--triton-port',
        '0',
        '--data-dir',
        join(dataDir, 's3'),
        '--bucket',
        'stack-test',
      ]);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = exitOf(child);
      const printed = await waitForLine(child, /^TRITON_URL=.*\n/m);

      const env = Object.fromEntries(
        printed
          .trim()
          .split('\n')
          .map((line) => line.split(/=(.*)/s, 2) as [string, string]),
      );
      expect(Object.keys(env)).toEqual([
        'MUSICGEN_S3_BUCKET',
        'AWS_ENDPOINT_URL_S3',
        'MUSICGEN_S3_FORCE_PATH_STYLE',
        'AWS_REGION',
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'TRITON_URL',
      ]);
      expect(env.MUSICGEN_S3_BUCKET).toBe('stack-test');
      expect(env.AWS_ENDPOINT_URL_S3).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      const client: S3Client = createS3Client({
        ...s3SettingsFromEnv(env),
        credentials: {
          accessKeyId: String(env.AWS_ACCESS_KEY_ID),
          secretAccessKey: String(env.AWS_SECRET_ACCESS_KEY),
        },
      });
      const store = createS3Store({ client, bucket: String(env.MUSICGEN_S3_BUCKET) });
      expect(await store.check()).toEqual({ ok: true, problems: [] });
      await store.put('hello.txt', Buffer.from('hello from the stack'));
      const got = await store.get('hello.txt');
      expect(Buffer.concat(await got.body.toArray()).toString()).toBe('hello from the stack');
      client.destroy();
      const triton = new TritonClient({ address: String(env.TRITON_URL) });
      expect(env.TRITON_URL).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(await triton.serverLive()).toBe(true);
      expect(await triton.modelReady('musicgen_lm')).toBe(true);
      triton.close();
      expect(await readFile(join(dataDir, 's3', '.gitignore'), 'utf8')).toBe(
        '# local stack data, never committed\n*\n',
      );

      child.kill(signal);
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(stderr).toContain(`${signal}: stopping the local stack...\nLocal stack stopped.\n`);
    },
  );

  it('exits 1 with one line when the S3 port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const { port } = blocker.address() as AddressInfo;
    try {
      const child = startStack([
        '--s3-port',
        String(port),
        '--triton-port',
        '0',
        '--data-dir',
        join(dataDir, 'taken'),
      ]);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      expect(await exitOf(child)).toEqual({ code: 1, signal: null });
      expect(stderr.split('\n').filter((line) => line.startsWith('Cannot'))).toEqual([
        `Cannot start the local stack: port ${port} is taken (EADDRINUSE); choose another with --s3-port`,
      ]);
    } finally {
      blocker.close();
    }
  });

  it('exits 2 with one line on a bad flag', async () => {
    const child = startStack(['--s3-port', '70000']);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await exitOf(child)).toEqual({ code: 2, signal: null });
    expect(stderr).toBe(
      'Cannot start the local stack: --s3-port must be an integer from 0 to 65535: got "70000"\n',
    );
  });
});
