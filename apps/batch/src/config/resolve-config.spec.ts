import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliOptions } from '../cli/flags.js';
import { ConfigError } from './config-error.js';
import { resolveConfig } from './resolve-config.js';

const base = { env: {}, baseDir: '/home/me/project' };

describe('resolveConfig', () => {
  it('applies every default', () => {
    expect(resolveConfig({ prompts: 'prompts.txt' }, base)).toEqual({
      promptsPath: '/home/me/project/prompts.txt',
      promptsName: 'prompts.txt',
      out: '/home/me/project/output',
      tritonUrls: [],
      viaSsh: false,
      concurrency: undefined,
      dryRun: false,
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
    });
  });

  it('reads --spool (from where the command is typed), XDG_CACHE_HOME and --store-wait', () => {
    const spooled = resolveConfig({ prompts: 'p.txt', spool: 'spool', storeWait: '2.5' }, base);
    expect([spooled.spoolRoot, spooled.storeWaitMs]).toEqual(['/home/me/project/spool', 2500]);
    const cache = resolveConfig({ prompts: 'p.txt' }, { ...base, env: { XDG_CACHE_HOME: '/cache' } });
    expect(cache.spoolRoot).toBe('/cache/musicgen-batch/spool');
    expect(() => resolveConfig({ prompts: 'p.txt', storeWait: '-1' }, base)).toThrow(
      'Cannot use --store-wait: must be a number of seconds from 0 to 86400: got "-1"',
    );
  });

  it('reads the environment, and flags win over it', () => {
    const env = {
      MUSICGEN_S3_BUCKET: 'renders',
      MUSICGEN_S3_PREFIX: 'run-1/',
      TRITON_URL: '10.0.0.1:8001, 10.0.0.2:8001',
      MUSICGEN_MODEL_ID: 'facebook/musicgen-small',
    };
    const fromEnv = resolveConfig({ prompts: '/abs/p.txt' }, { env, baseDir: '/x' });
    expect([fromEnv.promptsPath, fromEnv.out, fromEnv.tritonUrls, fromEnv.generation.modelId]).toEqual([
      '/abs/p.txt',
      's3://renders/run-1/',
      ['10.0.0.1:8001', '10.0.0.2:8001'],
      'facebook/musicgen-small',
    ]);
    const flags: CliOptions = { prompts: 'p.txt', out: 'out', triton: 'grpc://gpu:8001', model: 'm' };
    const fromFlags = resolveConfig(flags, { env, baseDir: '/x' });
    expect([fromFlags.out, fromFlags.tritonUrls, fromFlags.generation.modelId]).toEqual([
      '/x/out',
      ['gpu:8001'],
      'm',
    ]);
  });

  it('parses every value flag', () => {
    const config = resolveConfig(
      {
        prompts: 'p',
        concurrency: '32',
        format: 'wav32f',
        normalize: 'loudness',
        guidance: '4.5',
        topK: '0',
        topP: '0.9',
        temperature: '0.7',
        seed: '4294967295',
        maxAttempts: '2',
        shard: '2/4',
        dryRun: true,
        json: true,
        force: true,
        strict: true,
      },
      base,
    );
    expect(config).toMatchObject({
      concurrency: 32,
      format: 'float32',
      normalize: 'loudness',
      generation: { guidance: 4.5, topK: 0, topP: 0.9, temperature: 0.7 },
      seed: 4294967295,
      maxAttempts: 2,
      shard: { index: 2, count: 4 },
      dryRun: true,
      json: true,
      force: true,
      strict: true,
    });
  });

  it.each<[CliOptions, Record<string, string>, string]>([
    [{}, {}, 'Missing --prompts <file>: give the prompts file, for example --prompts=examples/prompts.txt'],
    [
      { prompts: 'p', concurrency: '0' },
      {},
      'Cannot use --concurrency: must be an integer from 1 to 1024: got "0"',
    ],
    [
      { prompts: 'p', concurrency: '2.5' },
      {},
      'Cannot use --concurrency: must be an integer from 1 to 1024: got "2.5"',
    ],
    [
      { prompts: 'p', format: 'mp3' },
      {},
      'Cannot use --format: must be one of wav16, wav24, wav32f: got "mp3"',
    ],
    [
      { prompts: 'p', normalize: 'loud' },
      {},
      'Cannot use --normalize: must be one of peak, loudness, clip, rms, none: got "loud"',
    ],
    [{ prompts: 'p', guidance: '-1' }, {}, 'Cannot use --guidance: must be a number from 0 to 100: got "-1"'],
    [{ prompts: 'p', topK: '3000' }, {}, 'Cannot use --top-k: must be an integer from 0 to 2048: got "3000"'],
    [{ prompts: 'p', topP: 'x' }, {}, 'Cannot use --top-p: must be a number from 0 to 1: got "x"'],
    [
      { prompts: 'p', topP: '1e-300' },
      {},
      'Cannot use --top-p: must be 0 or at least 1.1754943508222875e-38 (smaller numbers are not normal FP32 values: they reach the model as 0 or lose their precision): got "1e-300"',
    ],
    [
      { prompts: 'p', temperature: '' },
      {},
      'Cannot use --temperature: must be a number from 0 to 100: got ""',
    ],
    [
      { prompts: 'p', seed: '-3' },
      {},
      'Cannot use --seed: must be an integer from 0 to 4294967295: got "-3"',
    ],
    [
      { prompts: 'p', maxAttempts: '0' },
      {},
      'Cannot use --max-attempts: must be an integer from 1 to 100: got "0"',
    ],
    [
      { prompts: 'p', shard: '5/4' },
      {},
      'Cannot use --shard: must be i/n with 1 <= i <= n, for example 2/4: got "5/4"',
    ],
    [
      { prompts: 'p', shard: '0/1' },
      {},
      'Cannot use --shard: must be i/n with 1 <= i <= n, for example 2/4: got "0/1"',
    ],
    [{ prompts: 'p', out: ' ' }, {}, 'Cannot use --out: give a directory or s3://bucket/prefix: got " "'],
    [
      { prompts: 'p', triton: 'localhost' },
      {},
      'Cannot use --triton: each endpoint must be host:port, for example 127.0.0.1:8001: got "localhost"',
    ],
    [{ prompts: 'p', triton: ',' }, {}, 'Cannot use --triton: give at least one host:port: got ","'],
    [
      { prompts: 'p' },
      { TRITON_URL: 'gpu:99999' },
      'Cannot use TRITON_URL: each endpoint must be host:port, for example 127.0.0.1:8001: got "gpu:99999"',
    ],
    [
      { prompts: 'p', model: 'a b' },
      {},
      'Cannot use --model: must be 1 to 256 printable ASCII characters without spaces: got "a b"',
    ],
  ])('rejects %j with env %j', (options, env, message) => {
    expect(() => resolveConfig(options, { env, baseDir: '/' })).toThrow(new ConfigError(message));
  });
});
