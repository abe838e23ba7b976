import { readFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { startPreviewEngine, type PreviewEngine } from '@musicgen/preview-engine';
import { startSshd, type RunningSshd } from '@musicgen/ssh/testing';
import { motoServerPath, startMoto, type RunningMoto } from '@musicgen/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli/run-cli.js';

// Two "pods": two sshd on this machine sharing one volume directory (as pods sharing a network volume
// would), each running its shard against the preview engine as its Triton, into one bucket of moto
// (an S3 server that honours conditional writes, so leases are exclusive).
const workspaceRoot = resolve(import.meta.dirname, '../../..');
const moto = await motoServerPath();
const JOBS = 12;
const wavBytes = 44 + 50 * 640 * 2;

let pods: RunningSshd[] = [];
let s3: RunningMoto;
let engine: PreviewEngine;
let work: string;
let vol: string;

beforeAll(async () => {
  if (!moto.present) return;
  const first = await startSshd();
  [pods, s3, engine] = await Promise.all([
    Promise.all([first, startSshd({ clientKey: first.keyPath })]),
    startMoto({ buckets: ['renders'] }),
    // Two slots, one second of audio per second: the run lasts long enough to kill a pod in the middle.
    startPreviewEngine({ framesPerSecond: 50, maxConcurrentRequests: 2 }),
  ]);
  work = await mkdtemp(join(tmpdir(), 'musicgen-deploy-shards-'));
  vol = join(work, 'volume');
  await mkdir(vol);
}, 60_000);
afterAll(async () => {
  await Promise.all([...pods.map((p) => p.stop()), s3?.close(), engine?.close()]);
  if (work) await rm(work, { recursive: true, force: true });
});

function env(): Record<string, string> {
  const [a, b] = pods as [RunningSshd, RunningSshd];
  return {
    RUNPOD_HOST: `127.0.0.1:${a.port},127.0.0.1:${b.port}`,
    RUNPOD_USER: a.user,
    RUNPOD_SSH_KEY: a.keyPath,
    RUNPOD_SSH_HOST_KEY: `${a.hostKeyFingerprint},${b.hostKeyFingerprint}`,
    RUNPOD_SSH_AGENT: 'none',
    MUSICGEN_VOLUME: vol,
    TRITON_GRPC_PORT: String(engine.port),
    MUSICGEN_S3_BUCKET: 'renders',
    MUSICGEN_S3_PREFIX: 'catalogue/',
    MUSICGEN_S3_FORCE_PATH_STYLE: 'true',
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'moto',
    AWS_SECRET_ACCESS_KEY: 'moto',
  };
}

async function deploy(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: env(),
    baseDir: work,
    workspaceRoot,
  });
  return { code, stdout, stderr };
}

const runDir = (name: string) => join(vol, 'musicgen', 'runs', name);
const readText = (path: string) => readFile(path, 'utf8').catch(() => '');

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Keys of the WAVs in the bucket, with their sizes. */
async function stored(): Promise<Map<string, number>> {
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: 'renders', Prefix: 'catalogue/' }));
  return new Map(
    (listed.Contents ?? [])
      .filter((o) => o.Key?.endsWith('.wav') && !o.Key.includes('/reports/'))
      .map((o) => [(o.Key as string).slice('catalogue/'.length), o.Size as number]),
  );
}

/** Each key a run log says it generated, with how many times (over every run of that name). */
function generated(log: string): string[] {
  return [...log.matchAll(/ line \d+ (\S+\.wav): generated: /g)].map((m) => m[1] as string);
}

/** The shard (1-based) of `count` a key belongs to: its hash8 modulo the count, as the batch splits. */
function shardOf(key: string, count: number): number {
  return (Number.parseInt(/_([0-9a-f]{8})\.wav$/.exec(key)?.[1] ?? '0', 16) % count) + 1;
}

describe('deploy:run over two pods (--shard i/n each, one bucket)', () => {
  it.skipIf(!moto.present)(
    'splits the prompts, survives a pod killed mid-run (a re-run completes), and generates every job exactly once',
    async () => {
      const lines = Array.from(
        { length: JOBS },
        (_, i) => `catalogue piece ${i} ; 1 ; piece${i} ; seed=${i}`,
      );
      await writeFile(join(work, 'catalogue.txt'), lines.join('\n') + '\n');
      const first = await deploy(['run', '--prompts=catalogue.txt']);
      expect(first.code, first.stderr).toBe(0);
      const [a, b] = pods as [RunningSshd, RunningSshd];
      const started = first.stderr.split('\n').filter((l) => l.startsWith('Run catalogue-'));
      expect(started).toEqual([
        expect.stringMatching(/^Run catalogue-1of2: started catalogue-1of2 pid \d+$/),
        expect.stringMatching(/^Run catalogue-2of2: started catalogue-2of2 pid \d+$/),
      ]);
      expect(first.stderr).toContain(
        `Follow it with: npx nx run monitor:logs --run=catalogue-2of2 --host=127.0.0.1:${b.port}   (the run goes on if you disconnect)`,
      );
      expect(await readText(join(runDir('catalogue-1of2'), 'args'))).toBe('--shard=1/2\0');
      expect(await readText(join(runDir('catalogue-2of2'), 'args'))).toBe('--shard=2/2\0');

      // Pod 2 dies once it has stored its first WAV: its whole process group, at once.
      await until('pod 2 to store a WAV', async () =>
        / generated: /.test(await readText(join(runDir('catalogue-2of2'), 'run.log'))),
      );
      const pid = Number(await readText(join(runDir('catalogue-2of2'), 'pid')));
      process.kill(-pid, 'SIGKILL');
      await until(
        'pod 1 to finish',
        async () => (await readText(join(runDir('catalogue-1of2'), 'exit-code'))) !== '',
      );
      expect(await readText(join(runDir('catalogue-1of2'), 'exit-code'))).toBe('0\n');
      expect(await readText(join(runDir('catalogue-2of2'), 'exit-code'))).toBe('');
      const beforeRerun = await stored();
      expect(beforeRerun.size).toBeLessThan(JOBS);

      // The same command again, followed to the end: pod 1 finds everything done, pod 2 finishes its shard.
      const again = await deploy(['run', '--prompts=catalogue.txt', '--attach']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain(`Run catalogue-1of2 on 127.0.0.1:${a.port} ended with exit code 0`);
      expect(again.stderr).toContain(`Run catalogue-2of2 on 127.0.0.1:${b.port} ended with exit code 0`);
      expect(again.stdout).toMatch(
        new RegExp(`^\\[127\\.0\\.0\\.1:${a.port}\\] \\S+Z run catalogue-1of2: started`, 'm'),
      );

      const objects = await stored();
      expect(objects.size).toBe(JOBS);
      expect([...objects.values()]).toEqual(new Array(JOBS).fill(wavBytes));
      const logs = [
        await readText(join(runDir('catalogue-1of2'), 'run.log')),
        await readText(join(runDir('catalogue-2of2'), 'run.log')),
      ];
      const [made1, made2] = logs.map(generated) as [string[], string[]];
      // Every job generated exactly once over both pods and both runs, each by the pod of its shard.
      expect([...made1, ...made2].sort()).toEqual([...objects.keys()].sort());
      expect(made1.every((key) => shardOf(key, 2) === 1)).toBe(true);
      expect(made2.every((key) => shardOf(key, 2) === 2)).toBe(true);
      expect(made1.length).toBeGreaterThan(0);
      expect(made2.length).toBeGreaterThan(0);
    },
    600_000,
  );
});
