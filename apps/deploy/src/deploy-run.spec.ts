import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { startPreviewEngine, type PreviewEngine } from '@musicgen/preview-engine';
import { sshdPodEnv, startSshd, type RunningSshd } from '@musicgen/ssh/testing';
import { startS3rver, type RunningS3rver } from '@musicgen/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli/run-cli.js';

// The "pod" is a directory served by a real sshd on this machine; the batch runs there from npm pack
// tarballs, against the preview engine standing in for Triton on the pod's 127.0.0.1, into s3rver.
const workspaceRoot = resolve(import.meta.dirname, '../../..');
const SECRET = 'S3-secret-' + randomBytes(12).toString('hex');
const HF_SECRET = 'hf_' + randomBytes(12).toString('hex');
const wavBytes = (frames: number) => 44 + frames * 640 * 2;

let sshd: RunningSshd;
let s3: RunningS3rver;
let engine: PreviewEngine;
let slowEngine: PreviewEngine;
let work: string;
let vol: string;

beforeAll(async () => {
  [sshd, s3, engine, slowEngine] = await Promise.all([
    startSshd(),
    startS3rver({ buckets: ['renders'] }),
    startPreviewEngine(),
    // A fifth of a second of audio per second: the 6 s job runs about 30 s, long enough to cut the
    // laptop off in the middle and for a second deploy:run (npm pack, SSH, sync) to find it running on
    // a loaded machine (at 1 s per second it had sometimes ended first).
    startPreviewEngine({ framesPerSecond: 10 }),
  ]);
  work = await mkdtemp(join(tmpdir(), 'musicgen-deploy-run-'));
  vol = join(work, 'volume');
  await mkdir(vol);
});
afterAll(async () => {
  await Promise.all([sshd?.stop(), s3?.close(), engine?.close(), slowEngine?.close()]);
  if (work) await rm(work, { recursive: true, force: true });
});

/** The test runner's environment without what Nx and npm add (a child would take INIT_CWD for its base directory). */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(NX_|INIT_CWD$|npm_)/.test(k)),
  );
  return { ...clean, ...extra };
}

function env(grpcPort: number): Record<string, string> {
  return {
    ...sshdPodEnv(sshd),
    MUSICGEN_VOLUME: vol,
    TRITON_GRPC_PORT: String(grpcPort),
    MUSICGEN_S3_BUCKET: 'renders',
    MUSICGEN_S3_PREFIX: 'pod-runs/',
    MUSICGEN_S3_FORCE_PATH_STYLE: 'true',
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: SECRET,
    HF_TOKEN: HF_SECRET,
  };
}

async function deploy(argv: string[], environment: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: environment,
    baseDir: work,
    workspaceRoot,
  });
  return { code, stdout, stderr };
}

/** Every process's command line on this machine (laptop side and "pod" side alike). */
async function commandLines(): Promise<string[]> {
  const lines: string[] = [];
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
    const text = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (text !== '') lines.push(text.replace(/\0/g, ' '));
  }
  return lines;
}

/** Watches every process's arguments until stopped; resolves with the lines that held a secret. */
function watchCommandLines(): { stop(): Promise<string[]> } {
  let running = true;
  const leaks: string[] = [];
  const loop = (async () => {
    while (running) {
      for (const line of await commandLines())
        if (line.includes(SECRET) || line.includes(HF_SECRET)) leaks.push(line);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return leaks;
    },
  };
}

async function wavObjects(): Promise<{ key: string; size: number }[]> {
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: 'renders', Prefix: 'pod-runs/' }));
  return (listed.Contents ?? [])
    .filter((o) => o.Key?.endsWith('.wav') && !o.Key.includes('/reports/'))
    .map((o) => ({ key: o.Key as string, size: o.Size as number }))
    .sort((a, b) => a.size - b.size);
}

describe('deploy:run (the batch on the pod, detached)', () => {
  it('installs the packed workspace, runs the prompts into S3, follows with --attach; a re-run resumes', async () => {
    await writeFile(
      join(work, 'songs.txt'),
      'calm piano ; 1 ; piano\nwarm strings ; 1.5 ; strings\nbad line ; ; x\n',
    );
    const watch = watchCommandLines();
    const first = await deploy(
      ['run', '--prompts=songs.txt', '--attach', '--format=wav16'],
      env(engine.port),
    );
    expect(await watch.stop()).toEqual([]);
    expect(first.code).toBe(1); // the bad line: the batch's own exit code, through --attach
    const stderr = first.stderr.split('\n');
    expect(stderr).toContain(
      `Run songs: started songs pid ${/started songs pid (\d+)/.exec(first.stderr)?.[1]}`,
    );
    expect(stderr).toContain('Run songs ended with exit code 1');
    const log = first.stdout.split('\n');
    expect(log[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ run songs: started \(pid \d+\)$/);
    expect(log.at(-2)).toMatch(/^\S+Z run songs: finished with exit code 1$/);
    expect(first.stdout).toMatch(/Z prompts\.txt:3:11: duration is missing/);
    const objects = await wavObjects();
    expect(objects.map((o) => o.size)).toEqual([wavBytes(50), wavBytes(75)]);
    expect(objects.map((o) => o.key)).toEqual([
      expect.stringMatching(/^pod-runs\/piano_[0-9a-f]{8}\.wav$/),
      expect.stringMatching(/^pod-runs\/strings_[0-9a-f]{8}\.wav$/),
    ]);
    const runLog = await readFile(join(vol, 'musicgen', 'runs', 'songs', 'run.log'), 'utf8');
    for (const text of [first.stdout, first.stderr, runLog]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(HF_SECRET);
    }

    const again = await deploy(
      ['run', '--prompts=songs.txt', '--attach', '--format=wav16'],
      env(engine.port),
    );
    expect(again.stderr).toContain('packages: up to date (');
    expect(again.stderr).toContain('batch app: up to date');
    expect(again.stdout).toMatch(/2 skipped/);
    expect(await wavObjects()).toEqual(objects);
  }, 300_000);

  it('goes on when the laptop side is killed, and --attach finds the run and follows it to its end', async () => {
    await writeFile(join(work, 'long.txt'), 'slow drone ; 6 ; drone\n');
    const child = spawn(
      process.execPath,
      [join(workspaceRoot, 'apps/deploy/bin/musicgen-deploy.mjs'), 'run', '--prompts=long.txt', '--attach'],
      { cwd: work, env: childEnv(env(slowEngine.port)), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const deadline = Date.now() + 240_000;
    while (
      !/Run long: started long pid \d+/.test(stderr) &&
      Date.now() < deadline &&
      child.exitCode === null
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(stderr).toMatch(/Run long: started long pid \d+/);
    child.kill('SIGKILL');
    await exited;
    const status = join(vol, 'musicgen', 'runs', 'long');
    expect(await readFile(join(status, 'exit-code'), 'utf8').catch(() => 'none')).toBe('none');

    const attached = await deploy(['run', '--prompts=long.txt', '--attach'], env(slowEngine.port));
    expect(attached.code).toBe(0);
    expect(attached.stderr).toMatch(/Run long is already running on the pod \(running long pid \d+\)/);
    expect(attached.stdout.split('\n')[0]).toMatch(/ run long: started \(pid \d+\)$/);
    expect(attached.stdout).toMatch(/run long: finished with exit code 0\n$/);
    expect(await readFile(join(status, 'exit-code'), 'utf8')).toBe('0\n');
    expect((await wavObjects()).map((o) => o.size)).toContain(wavBytes(300));
  }, 300_000);
});
