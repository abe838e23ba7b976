import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { nodeSupportNotice } from '@musicgen/cli';
import { samplesForFrames } from '@musicgen/contract';
import { decodeAudioMetadata } from '@musicgen/store';
import { S3RVER_CREDENTIALS, startS3rver, type RunningS3rver } from '@musicgen/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchEnv, podServer, pythonEnvs, ROOT, saveRandomModel, type PodServer } from './pod-server.js';

const run = promisify(execFile);
const envs = await pythonEnvs();
const BUCKET = 'e2e-bucket';

/** A 16-bit mono WAV of `seconds` at 32 kHz: header plus 2 bytes a sample. */
const wavBytes = (seconds: number) => 44 + samplesForFrames(seconds * 50) * 2;

let work: string;
let model: string;
let server: PodServer;
let s3: RunningS3rver;

/** Runs the batch command (the bin, in a child process) against the pod's Triton into s3rver. */
async function batch(prompts: string, prefix: string, extra: string[] = []) {
  const path = join(work, `${prefix}.txt`);
  await writeFile(path, prompts);
  const args = [
    join(ROOT, 'apps/batch/bin/musicgen-batch.mjs'),
    `--prompts=${path}`,
    `--triton=${server.grpc}`,
    `--out=s3://${BUCKET}/${prefix}`,
    `--model=${model}`,
    '--json',
    ...extra,
  ];
  const env = {
    ...batchEnv(),
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    MUSICGEN_S3_FORCE_PATH_STYLE: 'true',
  };
  const result = await run(process.execPath, args, { env, cwd: work, maxBuffer: 64 * 1024 * 1024 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  return { ...result, report: result.stdout ? JSON.parse(result.stdout) : undefined };
}

async function wavs(prefix: string): Promise<Record<string, number>> {
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}/` }));
  const found: Record<string, number> = {};
  for (const object of listed.Contents ?? []) {
    const key = object.Key as string;
    if (key.endsWith('.wav')) found[key.slice(prefix.length + 1)] = object.Size ?? -1;
  }
  return found;
}

describe.skipIf(!envs.present)('the batch through a real tritonserver started by the pod runtime', () => {
  beforeAll(async () => {
    nodeSupportNotice(process.env, process.version); // this process makes S3 clients too
    work = await mkdtemp(join(tmpdir(), 'musicgen-e2e-'));
    model = join(work, 'model');
    await saveRandomModel(envs, 'tiny-32k-slim', model);
    await mkdir(join(work, 'volume'));
    server = await podServer({ envs, volume: join(work, 'volume'), model, slots: 4 });
    await server.up();
    s3 = await startS3rver({ buckets: [BUCKET] });
  });

  afterAll(async () => {
    await server?.stop().catch(() => undefined);
    await s3?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('turns a prompts file into WAVs of exact length with what the server served, and a re-run makes nothing', async () => {
    const prompts = [
      'slow ambient drift ; 31 ; drift', // two windows: 30 s, then 1 s continuing from the last 12 s
      'short piano figure ; 2 ; piano ; seed=11',
      'this line has no duration ; ; broken',
      'bright synth arpeggio ; 1.5 ; synth ; top_k=40 temperature=0.8',
    ].join('\n');
    const first = await batch(prompts, 'first');
    expect(first.code).toBe(1); // the bad line
    expect(first.report.summary).toMatchObject({ total: 4, generated: 3, skipped: 0, failed: 0, invalid: 1 });
    const keys = Object.fromEntries(
      first.report.jobs
        .filter((j: { key: string | null }) => j.key)
        .map((j: { line: number; key: string }) => [j.line, j.key]),
    );
    expect(await wavs('first')).toEqual({
      [keys[1]]: wavBytes(31),
      [keys[2]]: wavBytes(2),
      [keys[4]]: wavBytes(1.5),
    });
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `first/${keys[1]}` }));
    expect(decodeAudioMetadata(head.Metadata ?? {})).toMatchObject({
      prompt: 'slow ambient drift',
      durationSeconds: 31,
      model,
      served: {
        weights: 'random',
        revision: null,
        dtypes: 'text_encoder=float32,decoder=float32,kv_cache=float32,encodec=float32',
      },
      rendering: { format: 'pcm16', normalize: 'peak' },
    });
    expect(first.report.servers).toMatchObject([
      {
        address: server.grpc,
        capacity: 4,
        capacitySource: 'facts',
        facts: {
          contract: '1.3',
          lm: {
            modelId: model,
            weights: 'random',
            device: 'cpu',
            maxConcurrentRequests: 4,
            livenessIntervalMs: 2000,
          },
        },
      },
    ]);
    const again = await batch(prompts, 'first');
    expect(again.report.summary).toMatchObject({ total: 4, generated: 0, skipped: 3, failed: 0, invalid: 1 });
  });

  it('refuses, before any work, a run whose --model is not what the server serves', async () => {
    const refused = await batch('calm ; 1 ; calm\n', 'refused', ['--model=facebook/musicgen-medium']);
    expect([refused.code, refused.stdout]).toEqual([2, '']);
    expect(refused.stderr.trim().split('\n').at(-1)).toBe(
      `musicgen-batch: Cannot run the batch as Triton at ${server.grpc} serves '${model}' (random weights) ` +
        `while the jobs are for 'facebook/musicgen-medium': pass --model=${model}, or deploy facebook/musicgen-medium`,
    );
    expect(await wavs('refused')).toEqual({});
  });

  it('waits out a server killed mid-run and restarted 20 s later: nothing is lost', async () => {
    const prompts = Array.from({ length: 12 }, (_, i) => `restart piece ${i} ; 20 ; piece${i}`).join('\n');
    // The default 12 attempts wait about 90 s. Here the server is back after 20 s plus its start: each
    // of its three Python stubs imports torch 2.11 and transformers 5.17 (about 5 s of CPU each), which
    // on two CPU cores shared with other work can take minutes. 20 attempts wait about 3.5 minutes.
    const running = batch(prompts, 'restart', ['--max-attempts=20']);
    // kill the server once the first WAV is stored, then bring it back after 20 s
    for (let i = 0; i < 600 && Object.keys(await wavs('restart')).length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const storedBeforeKill = Object.keys(await wavs('restart')).length;
    await server.kill();
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    await server.up();
    const result = await running;
    expect(result.report.summary).toMatchObject({ total: 12, generated: 12, failed: 0 });
    // the kill hit work in flight: some jobs were still to come, and some windows were retried
    const retries = result.report.jobs.reduce(
      (sum: number, j: { retries?: number }) => sum + (j.retries ?? 0),
      0,
    );
    expect({ storedBeforeKill: storedBeforeKill < 12, retried: retries > 0 }).toEqual({
      storedBeforeKill: true,
      retried: true,
    });
    expect(Object.values(await wavs('restart'))).toEqual(Array.from({ length: 12 }, () => wavBytes(20)));
  });
});
