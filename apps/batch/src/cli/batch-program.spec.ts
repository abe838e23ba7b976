import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '@musicgen/cli';
import { describe, expect, it } from 'vitest';
import { BATCH_FLAGS } from '../config/flags.js';
import { BATCH_PROGRAM } from './batch-program.js';

const parse = (argv: string[], env: Record<string, string> = {}) =>
  BATCH_PROGRAM.parse(argv, { env, writeOut: () => undefined })?.options;

describe('BATCH_PROGRAM', () => {
  it('applies every default', () => {
    expect(parse(['--prompts', 'prompts.txt'])).toEqual({
      prompts: 'prompts.txt',
      viaSsh: false,
      dnsRefresh: 10,
      endpointWait: 600,
      dryRun: false,
      gpu: 'L40S',
      json: false,
      force: false,
      strict: false,
      format: 'pcm16',
      normalize: 'peak',
      model: 'facebook/musicgen-medium',
      guidance: 3,
      topK: 250,
      topP: 0,
      temperature: 1,
      rerollSuspect: 0,
      qaThresholds: {
        minLoudnessLufs: -50,
        maxSilenceRatio: 0.5,
        maxClippingRatio: 0.001,
        maxFlatness: 0.35,
        maxRepetition: 0.75,
      },
      maxAttempts: 12,
      shard: { index: 1, count: 1 },
      storeWait: 900,
    });
  });

  it('parses every flag', () => {
    const argv = [
      '--prompts= p.txt',
      '--out=s3://b/p',
      '--triton',
      'grpc://gpu:8001/, 10.0.0.2:8001, dns:///Triton.music.svc:8001/',
      '--dns-refresh=2.5',
      '--endpoint-wait=0',
      '--concurrency=32',
      '--format=wav32f',
      '--normalize=loudness',
      '--model= m ',
      '--guidance=4.5',
      '--top-k=0',
      '--top-p=0.9',
      '--temperature=0.7',
      '--seed=4294967295',
      '--reroll-suspect=3',
      '--qa-thresholds=maxFlatness=0.4, minLoudnessLufs = -60,',
      '--max-attempts=2',
      '--shard= 2 / 4 ',
      '--spool= spool ',
      '--store-wait=0.5',
      '--dry-run',
      '--gpu=H200',
      '--gpu-price=3.5',
      '--gpu-table=t.json',
      '--json',
      '--force',
      '--strict',
    ];
    expect(parse(argv)).toEqual({
      prompts: 'p.txt',
      out: 's3://b/p',
      triton: ['gpu:8001', '10.0.0.2:8001', 'dns:///Triton.music.svc:8001'],
      viaSsh: false,
      dnsRefresh: 2.5,
      endpointWait: 0,
      concurrency: 32,
      dryRun: true,
      gpu: 'H200',
      gpuPrice: 3.5,
      gpuTable: 't.json',
      json: true,
      force: true,
      strict: true,
      format: 'float32',
      normalize: 'loudness',
      model: 'm',
      guidance: 4.5,
      topK: 0,
      topP: 0.9,
      temperature: 0.7,
      seed: 4294967295,
      rerollSuspect: 3,
      qaThresholds: {
        minLoudnessLufs: -60,
        maxSilenceRatio: 0.5,
        maxClippingRatio: 0.001,
        maxFlatness: 0.4,
        maxRepetition: 0.75,
      },
      maxAttempts: 2,
      shard: { index: 2, count: 4 },
      spool: 'spool',
      storeWait: 0.5,
    });
  });

  it('reads TRITON_URL and MUSICGEN_MODEL_ID, a blank one counts as not set, and flags win', () => {
    const env = { TRITON_URL: '10.0.0.1:8001, 10.0.0.2:8001', MUSICGEN_MODEL_ID: 'facebook/musicgen-small' };
    expect(parse(['--prompts=p'], env)).toMatchObject({
      triton: ['10.0.0.1:8001', '10.0.0.2:8001'],
      model: 'facebook/musicgen-small',
    });
    expect(parse(['--prompts=p', '--triton=gpu:8001', '--model=m'], env)).toMatchObject({
      triton: ['gpu:8001'],
      model: 'm',
    });
    expect(parse(['--prompts=p'], { TRITON_URL: ' ', MUSICGEN_MODEL_ID: '' })).toMatchObject({
      model: 'facebook/musicgen-medium',
    });
    expect(parse(['--prompts=p'], { TRITON_URL: ' ' })).not.toHaveProperty('triton');
    // --via-ssh opens its own tunnel; only a --triton typed with it is refused
    expect(parse(['--prompts=p', '--via-ssh'], env)).toMatchObject({ viaSsh: true });
  });

  it.each<[string[], Record<string, string>, string]>([
    [[], {}, 'Missing --prompts <file>: give the prompts file, for example --prompts=examples/prompts.txt'],
    [['--prompts', ' '], {}, 'Cannot use --prompts as it must not be empty: current value is " "'],
    [
      ['--prompts', 'p', '--concurrency', '0'],
      {},
      'Cannot use --concurrency as it must be an integer from 1 to 1024: current value is "0"',
    ],
    [
      ['--prompts', 'p', '--concurrency', '2.5'],
      {},
      'Cannot use --concurrency as it must be an integer from 1 to 1024: current value is "2.5"',
    ],
    [
      ['--prompts', 'p', '--format', 'mp3'],
      {},
      'Cannot use --format as it must be one of wav16, wav24, wav32f: current value is "mp3"',
    ],
    [
      ['--prompts', 'p', '--normalize', 'loud'],
      {},
      'Cannot use --normalize as it must be one of peak, loudness, clip, rms, none: current value is "loud"',
    ],
    [
      ['--prompts', 'p', '--guidance', '-1'],
      {},
      'Cannot use --guidance as it must be a number from 0 to 100: current value is "-1"',
    ],
    [
      ['--prompts', 'p', '--guidance', '1e308'],
      {},
      'Cannot use --guidance as it must be a number from 0 to 100: current value is "1e308"',
    ],
    [
      ['--prompts', 'p', '--top-k', '3000'],
      {},
      'Cannot use --top-k as it must be an integer from 0 to 2048: current value is "3000"',
    ],
    [
      ['--prompts', 'p', '--top-p', 'x'],
      {},
      'Cannot use --top-p as it must be a number from 0 to 1: current value is "x"',
    ],
    [
      ['--prompts', 'p', '--top-p', '1e-300'],
      {},
      'Cannot use --top-p as it must be 0 or at least 1.1754943508222875e-38 (smaller numbers are not normal FP32 values: they reach the model as 0 or lose their precision): current value is "1e-300"',
    ],
    [
      ['--prompts', 'p', '--temperature', ''],
      {},
      'Cannot use --temperature as it must be a number from 0 to 100: current value is ""',
    ],
    [
      ['--prompts', 'p', '--seed', '-3'],
      {},
      'Cannot use --seed as it must be an integer from 0 to 4294967295: current value is "-3"',
    ],
    [
      ['--prompts', 'p', '--max-attempts', '0'],
      {},
      'Cannot use --max-attempts as it must be an integer from 1 to 100: current value is "0"',
    ],
    [
      ['--prompts', 'p', '--shard', '5/4'],
      {},
      'Cannot use --shard as it must be i/n with 1 <= i <= n, for example 2/4: current value is "5/4"',
    ],
    [
      ['--prompts', 'p', '--shard', '0/1'],
      {},
      'Cannot use --shard as it must be i/n with 1 <= i <= n, for example 2/4: current value is "0/1"',
    ],
    [
      ['--prompts', 'p', '--spool', ''],
      {},
      'Cannot use --spool as it must not be empty: current value is ""',
    ],
    [
      ['--prompts', 'p', '--store-wait', '-1'],
      {},
      'Cannot use --store-wait as it must be a number from 0 to 86400: current value is "-1"',
    ],
    [
      ['--prompts', 'p', '--store-wait', '1e5'],
      {},
      'Cannot use --store-wait as it must be a number from 0 to 86400: current value is "1e5"',
    ],
    [
      ['--prompts', 'p', '--out', ' '],
      {},
      'Cannot use --out as it must be a directory or s3://bucket/prefix: current value is " "',
    ],
    [
      ['--prompts', 'p', '--triton', 'localhost'],
      {},
      'Cannot use --triton as each endpoint must be host:port, for example 127.0.0.1:8001: current value is "localhost"',
    ],
    [
      ['--prompts', 'p', '--triton', 'dns://triton.music.svc:8001'],
      {},
      'Cannot use --triton as a DNS endpoint must be dns:///host:port (three slashes), for example dns:///triton.music.svc:8001: current value is "dns://triton.music.svc:8001"',
    ],
    [
      ['--prompts', 'p', '--triton', 'dns:///triton.music.svc:0'],
      {},
      'Cannot use --triton as the port of a dns:/// endpoint must be from 1 to 65535: current value is "dns:///triton.music.svc:0"',
    ],
    [
      ['--prompts', 'p', '--dns-refresh', '0'],
      {},
      'Cannot use --dns-refresh as it must be a number from 1 to 3600: current value is "0"',
    ],
    [
      ['--prompts', 'p', '--triton', ','],
      {},
      'Cannot use --triton as it must name at least one host:port: current value is ","',
    ],
    [
      ['--prompts', 'p'],
      { TRITON_URL: 'gpu:99999' },
      'Cannot use TRITON_URL as each endpoint must be host:port, for example 127.0.0.1:8001: current value is "gpu:99999"',
    ],
    [
      ['--prompts', 'p', '--model', 'a b'],
      {},
      'Cannot use --model as it must be 1 to 256 printable ASCII characters without spaces: current value is "a b"',
    ],
    [
      ['--prompts', 'p', '--reroll-suspect', '11'],
      {},
      'Cannot use --reroll-suspect as it must be an integer from 0 to 10: current value is "11"',
    ],
    [
      ['--prompts', 'p', '--qa-thresholds', 'maxFlatness=2'],
      {},
      'Cannot use --qa-thresholds as maxFlatness must be a number from 0 to 1: current value is "maxFlatness=2"',
    ],
    [
      ['--prompts', 'p'],
      { MUSICGEN_QA_THRESHOLDS: 'flatness=0.4' },
      'Cannot use MUSICGEN_QA_THRESHOLDS as each item must be name=value with a name of minLoudnessLufs, maxSilenceRatio, maxClippingRatio, maxFlatness, maxRepetition: current value is "flatness=0.4"',
    ],
    [
      ['--prompts', 'p', '--qa-thresholds', ' , '],
      {},
      'Cannot use --qa-thresholds as it must be name=value pairs with names of minLoudnessLufs, maxSilenceRatio, maxClippingRatio, maxFlatness, maxRepetition: current value is " , "',
    ],
    [
      ['--prompts', 'p', '--qa-thresholds', 'minLoudnessLufs=x'],
      {},
      'Cannot use --qa-thresholds as minLoudnessLufs must be a number from -120 to 0: current value is "minLoudnessLufs=x"',
    ],
    [
      ['--prompts', 'p', '--via-ssh', '--triton', '127.0.0.1:8001'],
      {},
      'Cannot use --via-ssh with --triton: give only one of them',
    ],
  ])('refuses %j with env %j', (argv, env, message) => {
    expect(() => parse(argv, env)).toThrow(new UsageError(message));
  });

  it('lists every flag in help, then the exit codes', () => {
    const help = BATCH_PROGRAM.help();
    for (const flag of Object.values(BATCH_FLAGS)) expect(help).toContain(`  ${flag.flags} `);
    expect(help).toContain('(choices: wav16, wav24,\n');
    expect(help).toMatch(/\n\nExit codes: 0 all jobs generated or skipped; .+ seed=7 guidance=4`\.\n$/s);
  });

  it('is what the README shows', async () => {
    const readme = await readFile(join(import.meta.dirname, '../../README.md'), 'utf8');
    expect(readme).toContain(BATCH_PROGRAM.flagsMarkdown());
  });
});
