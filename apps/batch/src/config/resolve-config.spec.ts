import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_QA_THRESHOLDS } from '@musicgen/wav';
import { describe, expect, it } from 'vitest';
import { BATCH_PROGRAM } from '../cli/batch-program.js';
import type { BatchOptions } from './flags.js';
import { resolveConfig } from './resolve-config.js';

function options(argv: string[]): BatchOptions {
  const parsed = BATCH_PROGRAM.parse(argv, { env: {}, writeOut: () => undefined });
  if (parsed === undefined) throw new Error('expected options');
  return parsed.options;
}

describe('resolveConfig', () => {
  it('resolves the defaults', () => {
    expect(
      resolveConfig(options(['--prompts', 'prompts.txt']), { env: {}, baseDir: '/home/me/project' }),
    ).toEqual({
      promptsPath: '/home/me/project/prompts.txt',
      promptsName: 'prompts.txt',
      out: '/home/me/project/output',
      tritonUrls: [],
      viaSsh: false,
      dnsRefreshMs: 10_000,
      endpointWaitMs: 600_000,
      concurrency: undefined,
      dryRun: false,
      gpuPlan: { gpu: 'L40S', pricePerHourUsd: undefined, table: undefined },
      json: false,
      force: false,
      strict: false,
      format: 'pcm16',
      normalize: 'peak',
      generation: { modelId: 'facebook/musicgen-medium', guidance: 3, topK: 250, topP: 0, temperature: 1 },
      seed: undefined,
      maxAttempts: 12,
      shard: { index: 1, count: 1 },
      spoolRoot: join(homedir(), '.cache', 'musicgen-batch', 'spool'),
      storeWaitMs: 900_000,
      qa: { thresholds: DEFAULT_QA_THRESHOLDS, rerolls: 0 },
    });
  });

  it('maps every option into the configuration', () => {
    const argv = [
      '--prompts=/abs/p.txt',
      '--out=out',
      '--triton=gpu:8001',
      '--concurrency=8',
      '--format=wav24',
    ];
    const more = [
      '--normalize=rms',
      '--model=m',
      '--guidance=4',
      '--top-k=5',
      '--top-p=0.5',
      '--temperature=0.9',
    ];
    const rest = [
      '--seed=7',
      '--max-attempts=3',
      '--shard=2/3',
      '--spool=/var/spool/mg',
      '--store-wait=2.5',
      '--reroll-suspect=2',
      '--qa-thresholds=maxRepetition=0.9',
      '--dry-run',
      '--gpu=H200',
      '--gpu-price=3.5',
      '--gpu-table=t.json',
      '--json',
      '--force',
      '--strict',
    ];
    expect(resolveConfig(options([...argv, ...more, ...rest]), { env: {}, baseDir: '/x' })).toEqual({
      promptsPath: '/abs/p.txt',
      promptsName: '/abs/p.txt',
      out: '/x/out',
      tritonUrls: ['gpu:8001'],
      viaSsh: false,
      dnsRefreshMs: 10_000,
      endpointWaitMs: 600_000,
      concurrency: 8,
      dryRun: true,
      gpuPlan: { gpu: 'H200', pricePerHourUsd: 3.5, table: '/x/t.json' },
      json: true,
      force: true,
      strict: true,
      format: 'pcm24',
      normalize: 'rms',
      generation: { modelId: 'm', guidance: 4, topK: 5, topP: 0.5, temperature: 0.9 },
      seed: 7,
      maxAttempts: 3,
      shard: { index: 2, count: 3 },
      spoolRoot: '/var/spool/mg',
      storeWaitMs: 2500,
      qa: { thresholds: { ...DEFAULT_QA_THRESHOLDS, maxRepetition: 0.9 }, rerolls: 2 },
    });
  });

  it.each<[string[], Record<string, string>, string]>([
    [['--spool=spool'], { XDG_CACHE_HOME: '/cache' }, '/x/spool'],
    [['--spool=/abs/spool'], {}, '/abs/spool'],
    [[], { XDG_CACHE_HOME: '/cache' }, '/cache/musicgen-batch/spool'],
    [[], { XDG_CACHE_HOME: '' }, join(homedir(), '.cache', 'musicgen-batch', 'spool')],
  ])('%j with %j spools in %s', (argv, env, spoolRoot) => {
    expect(resolveConfig(options(['--prompts=p', ...argv]), { env, baseDir: '/x' }).spoolRoot).toBe(
      spoolRoot,
    );
  });

  it.each<[string[], Record<string, string>, string]>([
    [[], { MUSICGEN_S3_BUCKET: 'renders', MUSICGEN_S3_PREFIX: '/run-1/' }, 's3://renders/run-1/'],
    [[], { MUSICGEN_S3_BUCKET: 'renders' }, 's3://renders/'],
    [[], { MUSICGEN_S3_BUCKET: ' ', MUSICGEN_S3_PREFIX: 'x' }, '/x/output'],
    [['--out=s3://other/p'], { MUSICGEN_S3_BUCKET: 'renders' }, 's3://other/p'],
    [['--out=/abs/dir'], {}, '/abs/dir'],
  ])('%j with %j writes to %s', (argv, env, out) => {
    expect(resolveConfig(options(['--prompts=p', ...argv]), { env, baseDir: '/x' }).out).toBe(out);
  });

  it('keeps a dns:/// endpoint with its scheme and takes the resolving times in seconds', () => {
    expect(
      resolveConfig(
        options([
          '--prompts=p',
          '--triton=dns:///musicgen-triton.music.svc:8001',
          '--dns-refresh=2.5',
          '--endpoint-wait=0',
        ]),
        { env: {}, baseDir: '/x' },
      ),
    ).toMatchObject({
      tritonUrls: ['dns:///musicgen-triton.music.svc:8001'],
      dnsRefreshMs: 2_500,
      endpointWaitMs: 0,
    });
  });

  it('leaves TRITON_URL aside with --via-ssh, which opens its own tunnels', () => {
    const parsed = BATCH_PROGRAM.parse(['--prompts=p', '--via-ssh'], {
      env: { TRITON_URL: 'gpu:8001' },
      writeOut: () => undefined,
    });
    expect(parsed && resolveConfig(parsed.options, { env: {}, baseDir: '/x' })).toMatchObject({
      tritonUrls: [],
      viaSsh: true,
    });
  });
});
