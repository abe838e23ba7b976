import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  formatPromptErrors,
  formatPromptLineError,
  parsePrompts,
  type PromptLineError,
} from '@musicgen/prompts';
import { afterEach, describe, expect, it } from 'vitest';
import { BATCH_FLAGS } from './config/flags.js';
import { runCliProcess, tempWorkspace, wavFiles } from './testing/cli-process.js';

const PREVIEW_NOTICE =
  'Using the preview engine (a synthesiser, not MusicGen): set TRITON_URL or --triton for real MusicGen';
const workspaces: { close(): Promise<void> }[] = [];
async function workspace(prompts: string) {
  const ws = await tempWorkspace(prompts);
  workspaces.push(ws);
  return ws.dir;
}
afterEach(async () => {
  await Promise.all(workspaces.splice(0).map((w) => w.close()));
});

const wavBytes = (frames: number) => 44 + frames * 640 * 2;

describe('musicgen-batch (child process, preview engine in-process, local directory)', () => {
  it('generates good lines into ./output, reports bad lines, generates a duplicate once, and stores the report', async () => {
    const text = [
      '# two jobs, a duplicate and a bad line',
      'calm piano ; 1 ; piano',
      'bad line without duration ; ; nope',
      'warm strings; slow ; 1.5 ; strings ; seed=7',
      'calm piano ; 1 ; piano.wav',
      '',
    ].join('\n');
    const dir = await workspace(text);
    const { code, stdout, stderr } = await runCliProcess(['--prompts', 'prompts.txt', '--json'], {
      cwd: dir,
    });
    const parsed = await parsePrompts(text, {
      source: 'prompts.txt',
      defaults: { modelId: 'musicgen-preview' },
    });
    const [piano, strings] = parsed.jobs;
    const report = JSON.parse(stdout);
    expect(code).toBe(1);
    expect(stderr.split('\n').slice(0, 2)).toEqual([PREVIEW_NOTICE, ...formatPromptErrors(parsed)]);
    expect(
      report.jobs.map((j: Record<string, unknown>) => [j.line, j.status, j.key, j.error, j.reason]),
    ).toEqual([
      [2, 'generated', piano?.key, null, undefined],
      [3, 'invalid', null, formatPromptErrors(parsed)[0], undefined],
      [4, 'generated', strings?.key, null, undefined],
      [5, 'skipped', piano?.key, null, 'duplicate'],
    ]);
    expect(report.summary).toMatchObject({ total: 4, generated: 2, skipped: 1, failed: 0, invalid: 1 });
    expect([report.preview, report.interrupted]).toEqual([true, null]);
    // the start line and the summary count the same 4 jobs; the bad line is listed once, at the start
    expect(stderr).toMatch(
      /^4 jobs from prompts\.txt \(2 to run, 1 duplicate line, 1 invalid line\) into \S+, \d+ windows in flight on 127\.0\.0\.1:\d+$/m,
    );
    expect(stderr).toMatch(/^Run [0-9a-f]{8}: 4 jobs in /m);
    expect(stderr.split(formatPromptErrors(parsed)[0] as string).length).toBe(2);
    expect(stderr).not.toContain('MaxListenersExceededWarning');
    const out = join(dir, 'output');
    expect(await wavFiles(out)).toEqual([piano?.key, strings?.key].sort());
    expect((await stat(join(out, piano?.key as string))).size).toBe(wavBytes(50));
    expect((await stat(join(out, strings?.key as string))).size).toBe(wavBytes(75));
    const reports = (await readdir(join(out, 'reports'))).filter(
      (f) => f.endsWith('.json') && !f.endsWith('.meta.json'),
    );
    const base = `${report.startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${report.id}`;
    expect(reports).toEqual([`${base}.json`, `${base}.progress.json`]);
    expect(JSON.parse(await readFile(join(out, 'reports', `${base}.json`), 'utf8'))).toEqual(report);
    // The progress file's last version: the run finished, every line with the report's outcome.
    const progress = JSON.parse(await readFile(join(out, 'reports', `${base}.progress.json`), 'utf8'));
    expect([progress.schemaVersion, progress.state, progress.id, progress.preview]).toEqual([
      1,
      'finished',
      report.id,
      true,
    ]);
    expect(progress.jobs.map((j: Record<string, unknown>) => [j.line, j.state, j.key, j.prompt])).toEqual([
      [2, 'generated', piano?.key, 'calm piano'],
      [3, 'invalid', null, undefined],
      [4, 'generated', strings?.key, 'warm strings; slow'],
      [5, 'skipped', piano?.key, 'calm piano'],
    ]);
    expect(progress.totals).toMatchObject({ jobs: 2, done: 2, generated: 2, invalid: 1, fractionDone: 1 });
  }, 120_000);

  it('re-running a finished file generates nothing; a file name warning is printed each time; --format wav24 plans every job again', async () => {
    const text = 'rain on a window ; 1 ; rain\nbirds at dawn ; 1 ; birds.mp3 ; seed=3\n';
    const dir = await workspace(text);
    const parsed = await parsePrompts(text, {
      source: 'prompts.txt',
      defaults: { modelId: 'musicgen-preview' },
    });
    const warning = `warning: ${formatPromptLineError('prompts.txt', parsed.warnings[0] as PromptLineError)}`;
    expect(warning).toBe(
      'warning: prompts.txt:2:21: filename ends in ".mp3" but the file will be a WAV named "birds.mp3_<hash8>.wav" (write "birds" for "birds_<hash8>.wav")',
    );
    const first = await runCliProcess(['--prompts=prompts.txt', '--out=out'], { cwd: dir });
    expect(first.code).toBe(0);
    expect(first.stderr.split('\n').slice(0, 2)).toEqual([PREVIEW_NOTICE, warning]);
    const files = await wavFiles(join(dir, 'out'));
    const mtimes = await Promise.all(files.map(async (f) => (await stat(join(dir, 'out', f))).mtimeMs));
    const second = await runCliProcess(['--prompts=prompts.txt', '--out=out', '--json'], { cwd: dir });
    expect(second.code).toBe(0);
    const report = JSON.parse(second.stdout);
    expect(report.summary).toMatchObject({
      total: 2,
      generated: 0,
      skipped: 2,
      failed: 0,
      invalid: 0,
    });
    expect(report.jobs.map((j: { line: number; warnings?: string[] }) => [j.line, j.warnings])).toEqual([
      [1, undefined],
      [2, [warning.slice('warning: '.length)]],
    ]);
    expect(await wavFiles(join(dir, 'out'))).toEqual(files);
    expect(await Promise.all(files.map(async (f) => (await stat(join(dir, 'out', f))).mtimeMs))).toEqual(
      mtimes,
    );
    const plan = async (argv: string[]) => {
      const run = await runCliProcess(
        ['--prompts=prompts.txt', '--out=out', '--dry-run', '--json', ...argv],
        {
          cwd: dir,
        },
      );
      expect([run.code, run.stderr.split('\n').slice(0, 2)]).toEqual([0, [PREVIEW_NOTICE, warning]]);
      return JSON.parse(run.stdout).jobs.map((j: { state: string }) => j.state);
    };
    expect(await plan([])).toEqual(['exists', 'exists']);
    // the rendering is not part of the name: the same keys, stored as pcm16/peak, are generated again
    expect(await plan(['--format=wav24'])).toEqual(['generate', 'generate']);
    expect(await plan(['--normalize=none'])).toEqual(['generate', 'generate']);
  }, 120_000);

  it('stores a job longer than 30 s as exactly frames × 640 samples', async () => {
    const dir = await workspace('slow evolving drone ; 31 ; drone ; seed=11\n');
    const { code, stdout } = await runCliProcess(
      ['--prompts', 'prompts.txt', '--json', '--format', 'wav24'],
      { cwd: dir },
    );
    expect(code).toBe(0);
    const job = JSON.parse(stdout).jobs[0];
    expect([job.status, job.windows]).toEqual(['generated', 2]);
    expect((await stat(join(dir, 'output', job.key))).size).toBe(44 + 1550 * 640 * 3);
  }, 120_000);

  it('--dry-run prints the plan and generates nothing', async () => {
    const dir = await workspace('a ; 45 ; long\nb ; 2 ; short\nb ; 2 ; short\n');
    const { code, stdout } = await runCliProcess(
      ['--prompts', 'prompts.txt', '--dry-run', '--concurrency', '4'],
      { cwd: dir },
    );
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    const summary = lines.indexOf(
      '2 distinct jobs: 2 to generate, 0 already in the store; 1 duplicate line, 0 invalid lines',
    );
    expect(lines.slice(summary, summary + 4)).toEqual([
      '2 distinct jobs: 2 to generate, 0 already in the store; 1 duplicate line, 0 invalid lines',
      'To generate: 47.0 s of audio, 3 windows, 2350 frames, 2359 decoder steps',
      'Estimated GPU time: about 24 s with 4 windows in flight (assumes 20 ms per batched decoder step of musicgen-medium on an L40S-class GPU)',
      lines[summary + 3],
    ]);
    // then the plan over 1, 2, 4 and 8 GPUs of the default kind, from the shipped table
    expect(lines[summary + 3]).toMatch(
      /^On L40S GPUs \(predicted from the H200 measurement by infra\/bench\/gpu_model\.py, 34 slots\), /,
    );
    expect(lines.slice(summary + 4, summary + 5)).toEqual([
      '  GPUs  prompts/GPU  audio s/s    wall time  GPU-hours      cost',
    ]);
    expect(lines.slice(-2)).toEqual(['Dry run: nothing was generated.', '']);
    expect(await readdir(dir)).toEqual(['prompts.txt']);
  }, 60_000);

  it('--dry-run plans 1, 2, 4 and 8 GPUs of a kind from a throughput table, and where more stop helping', async () => {
    const dir = await workspace(
      Array.from({ length: 10 }, (_, i) => `piece ${i} ; 30 ; p${i}`).join('\n') + '\n',
    );
    await writeFile(
      join(dir, 'table.json'),
      JSON.stringify({
        model: 'facebook/musicgen-medium',
        seconds_per_prompt: 30,
        startup_s: 100,
        notes: '',
        gpus: [
          {
            gpu: 'X1',
            source: 'a test table',
            slots: 4,
            points: [
              { concurrent: 1, audio_s_per_s: 1 },
              { concurrent: 4, audio_s_per_s: 2 },
            ],
          },
        ],
      }),
    );
    const args = [
      '--prompts',
      'prompts.txt',
      '--dry-run',
      '--gpu-table',
      'table.json',
      '--gpu',
      'x1',
      '--gpu-price',
      '1',
    ];
    const { code, stdout } = await runCliProcess(args, { cwd: dir });
    expect(code).toBe(0);
    // 10 jobs of 30 s; 1 GPU runs 4 at 2 audio-s/s: 150 s + the 100 s start. 4 GPUs run 3 each at 1.67
    // audio-s/s, 0.56 per prompt: a 30 s job needs 54 s, more than the 45 s the throughput allows.
    expect(stdout.split('\n').slice(-9)).toEqual([
      'On X1 GPUs (a test table), at $1.00 per GPU-hour (--gpu-price), each pod billed from its start (100 s to ready, assumed):',
      '  GPUs  prompts/GPU  audio s/s    wall time  GPU-hours      cost',
      '     1            4        2.0   4 min 10 s       0.07     $0.07',
      '     2            4        4.0   2 min 55 s       0.10     $0.10',
      '     4            3        5.6   2 min 34 s       0.17     $0.17',
      '     8            2        6.7   2 min 25 s       0.32     $0.32',
      'More than 2 GPUs saves less than 25% of the time per doubling: the longest job (30 s of audio, one window at a time) bounds the time.',
      'Dry run: nothing was generated.',
      '',
    ]);
    const json = await runCliProcess([...args, '--json'], { cwd: dir });
    expect(JSON.parse(json.stdout).gpus).toMatchObject({
      gpu: 'X1',
      enoughAt: 2,
      priceFrom: 'flag',
      startupSeconds: 100,
    });
    const unknown = await runCliProcess([...args.slice(0, -4), '--gpu', 'A100'], { cwd: dir });
    expect([unknown.code, unknown.stderr.trim().split('\n').at(-1)]).toEqual([
      2,
      'musicgen-batch: Cannot plan for --gpu as the throughput table knows X1: current value is "A100" (measure it with infra/bench/run_gpu.sh)',
    ]);
  }, 120_000);

  it('--shard i/n plans disjoint shards that together hold every job', async () => {
    const dir = await workspace(
      Array.from({ length: 12 }, (_, i) => `piece ${i} ; 1 ; p${i}`).join('\n') + '\n',
    );
    const keysOf = async (shard: string) => {
      const { code, stdout } = await runCliProcess(
        ['--prompts', 'prompts.txt', '--dry-run', '--json', '--shard', shard],
        {
          cwd: dir,
        },
      );
      expect(code).toBe(0);
      return JSON.parse(stdout).jobs.map((j: { key: string }) => j.key) as string[];
    };
    const [first, second] = [await keysOf('1/2'), await keysOf('2/2')];
    expect(first.filter((k) => second.includes(k))).toEqual([]);
    expect([...first, ...second].sort()).toEqual((await keysOf('1/1')).sort());
    expect(first.length + second.length).toBe(12);
  }, 120_000);

  it('--strict stops before generating when a line is invalid (exit 2)', async () => {
    const text = 'fine ; 1 ; fine\nbroken ; -2 ; broken\n';
    const dir = await workspace(text);
    const { code, stderr } = await runCliProcess(['--prompts', 'prompts.txt', '--strict'], { cwd: dir });
    const parsed = await parsePrompts(text, { source: 'prompts.txt' });
    expect(code).toBe(2);
    expect(stderr).toBe(
      [
        PREVIEW_NOTICE,
        ...formatPromptErrors(parsed),
        'musicgen-batch: --strict: 1 problems in prompts.txt; nothing was generated',
        '',
      ].join('\n'),
    );
    expect(await wavFiles(join(dir, 'output'))).toEqual([]);
  }, 60_000);

  it.each([
    [
      ['--prompts', 'p.txt', '--bogus'],
      "musicgen-batch: unknown option '--bogus' (see musicgen-batch --help)",
    ],
    [
      [],
      'musicgen-batch: Missing --prompts <file>: give the prompts file, for example --prompts=examples/prompts.txt',
    ],
    [
      ['--prompts', 'p.txt', '--format', 'mp3'],
      'musicgen-batch: Cannot use --format as it must be one of wav16, wav24, wav32f: current value is "mp3"',
    ],
    [
      ['--prompts', 'p.txt', 'extra'],
      'musicgen-batch: too many arguments. Expected 0 arguments but got 1. (see musicgen-batch --help)',
    ],
    [['--prompts', 'missing.txt'], 'musicgen-batch: Cannot read prompts file "missing.txt": no such file'],
    [
      ['--prompts', 'prompts.txt', '--out', 'ftp://x/y'],
      'musicgen-batch: Cannot open store: unsupported scheme "ftp:"; use a directory or s3://bucket/prefix: got "ftp://x/y"',
    ],
    [['--prompts', 'prompts.txt', '--triton', '127.0.0.1:1'], null],
  ])(
    'usage error %j exits 2 with one line',
    async (args, message) => {
      const dir = await workspace('a ; 1 ; a\n');
      const { code, stderr, stdout } = await runCliProcess(args, { cwd: dir });
      expect([code, stdout]).toEqual([2, '']);
      expect(await readdir(dir)).toEqual(['prompts.txt']);
      const lines = stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      if (message !== null) expect(lines[0]).toBe(message);
      else
        expect(lines[0]).toMatch(
          /^musicgen-batch: Cannot reach Triton at 127\.0\.0\.1:1: .+ECONNREFUSED 127\.0\.0\.1:1 \(check TRITON_URL \/ --triton and the SSH tunnel\)$/,
        );
    },
    60_000,
  );

  it('--help lists every flag of the flag table', async () => {
    const dir = await workspace('');
    const { code, stdout } = await runCliProcess(['--help'], { cwd: dir });
    expect(code).toBe(0);
    for (const flag of Object.values(BATCH_FLAGS)) expect(stdout).toContain(flag.flags);
  }, 60_000);
});
