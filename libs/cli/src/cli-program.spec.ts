import { InvalidArgumentError } from 'commander';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineCommands, defineProgram, type ParseContext } from './cli-program.js';
import { defineFlags, type OptionsOf } from './flag-table.js';
import { UsageError } from './usage-error.js';
import { integer, nonBlank } from './value-parsers.js';

const shard = (text: string) => {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  if (!match) throw new InvalidArgumentError('it must be i/n, for example 2/4');
  return { index: Number(match[1]), count: Number(match[2]) };
};

const FLAGS = defineFlags({
  prompts: {
    flags: '--prompts <file>',
    description: 'prompts file',
    parse: nonBlank,
    required: 'give the prompts file, for example --prompts=p.txt',
  },
  out: { flags: '--out <dir>', description: 'where | files go', defaultText: './output' },
  triton: { flags: '--triton <host:port>', description: 'endpoint', env: 'TRITON_URL' },
  model: { flags: '--model <id>', description: 'model id', env: 'MODEL_ID', default: 'medium' },
  concurrency: { flags: '--concurrency <n>', description: 'at once', parse: integer({ min: 1, max: 64 }) },
  format: {
    flags: '--format <format>',
    description: 'WAV format',
    choices: ['wav16', 'wav24'],
    default: 'wav16',
  },
  shard: {
    flags: '--shard <i/n>',
    description: 'share',
    parse: shard,
    default: { index: 1, count: 1 },
    defaultText: '1/1',
  },
  dryRun: { flags: '--dry-run', description: 'plan only' },
  local: { flags: '--local', description: 'no server', conflicts: ['triton'] },
});

const program = defineProgram({
  name: 'tool',
  version: '1.2.3',
  description: 'Does the thing.',
  epilog: 'Exit codes: 0 done.',
  flags: FLAGS,
});

function context(env: Record<string, string> = {}): ParseContext & { out: string } {
  const result = { env, out: '', writeOut: (text: string) => void (result.out += text) };
  return result;
}

describe('defineProgram', () => {
  it('types the options from the table', () => {
    expectTypeOf<OptionsOf<typeof FLAGS>>().toEqualTypeOf<{
      prompts: string;
      model: string;
      format: 'wav16' | 'wav24';
      shard: { index: number; count: number };
      dryRun: boolean;
      local: boolean;
      out?: string;
      triton?: string;
      concurrency?: number;
    }>();
  });

  it('applies every default', () => {
    expect(program.parse(['--prompts', 'p.txt'], context())).toEqual({
      options: {
        prompts: 'p.txt',
        model: 'medium',
        format: 'wav16',
        shard: { index: 1, count: 1 },
        dryRun: false,
        local: false,
      },
      rest: [],
    });
  });

  it('parses every flag; a flag wins over its environment variable, which wins over the default', () => {
    const argv = [
      '--prompts= p.txt ',
      '--out=o',
      '--triton',
      'a:1',
      '--concurrency',
      '8',
      '--format',
      'wav24',
    ];
    const env = { TRITON_URL: 'b:2', MODEL_ID: 'small' };
    expect(program.parse([...argv, '--shard', '2/4', '--dry-run'], context(env))?.options).toEqual({
      prompts: 'p.txt',
      out: 'o',
      triton: 'a:1',
      model: 'small',
      concurrency: 8,
      format: 'wav24',
      shard: { index: 2, count: 4 },
      dryRun: true,
      local: false,
    });
  });

  it('takes a blank environment variable for not set', () => {
    expect(program.parse(['--prompts=p'], context({ TRITON_URL: ' ', MODEL_ID: '' }))?.options).toEqual({
      prompts: 'p',
      model: 'medium',
      format: 'wav16',
      shard: { index: 1, count: 1 },
      dryRun: false,
      local: false,
    });
  });

  it.each<[string[], Record<string, string>, string]>([
    [[], {}, 'Missing --prompts <file>: give the prompts file, for example --prompts=p.txt'],
    [['--prompts', ' '], {}, 'Cannot use --prompts as it must not be empty: current value is " "'],
    [
      ['--prompts=p', '--concurrency', '0'],
      {},
      'Cannot use --concurrency as it must be an integer from 1 to 64: current value is "0"',
    ],
    [
      ['--prompts=p', '--format', 'mp3'],
      {},
      'Cannot use --format as it must be one of wav16, wav24: current value is "mp3"',
    ],
    [
      ['--prompts=p', '--shard=x'],
      {},
      'Cannot use --shard as it must be i/n, for example 2/4: current value is "x"',
    ],
    [['--prompts=p'], { MODEL_ID: 'x', TRITON_URL: 'y' }, ''],
    [['--prompts=p', '--bogus'], {}, "unknown option '--bogus' (see tool --help)"],
    [['--prompts=p', 'extra'], {}, 'too many arguments. Expected 0 arguments but got 1. (see tool --help)'],
    [['--prompts'], {}, "option '--prompts <file>' argument missing (see tool --help)"],
    [
      ['--prompts=p', '--local', '--triton=a:1'],
      {},
      'Cannot use --local with --triton: give only one of them',
    ],
    [['--prompts=p', '--local'], { TRITON_URL: 'a:1' }, ''],
  ])('%j with %j: %s', (argv, env, message) => {
    const parse = () => program.parse(argv, context(env));
    if (message === '') expect(parse).not.toThrow();
    else expect(parse).toThrow(new UsageError(message));
  });

  it('names the environment variable when its value is wrong', () => {
    const strict = defineProgram({
      name: 'tool',
      version: '1',
      description: 'd',
      flags: defineFlags({
        port: { flags: '--port <n>', description: 'p', parse: integer({ min: 1 }), env: 'PORT' },
      }),
    });
    expect(() => strict.parse([], context({ PORT: '0' }))).toThrow(
      new UsageError('Cannot use PORT as it must be an integer >= 1: current value is "0"'),
    );
    expect(strict.parse(['--port=5'], context({ PORT: '0' }))?.options).toEqual({ port: 5 });
  });

  it('prints help and the version to writeOut and asks for nothing to run', () => {
    const help = context();
    expect(program.parse(['--help'], help)).toBeUndefined();
    expect(help.out).toBe(program.help());
    expect(help.out).toBe(
      [
        'Usage: tool [options]',
        '',
        'Does the thing.',
        '',
        'Options:',
        '  --version             print the version',
        '  --prompts <file>      prompts file',
        '  --out <dir>           where | files go (default: ./output)',
        '  --triton <host:port>  endpoint (default: $TRITON_URL)',
        '  --model <id>          model id (default: $MODEL_ID, else medium)',
        '  --concurrency <n>     at once',
        '  --format <format>     WAV format (choices: wav16, wav24; default: wav16)',
        '  --shard <i/n>         share (default: 1/1)',
        '  --dry-run             plan only',
        '  --local               no server',
        '  --help                show this help',
        '',
        'Exit codes: 0 done.',
        '',
      ].join('\n'),
    );
    const version = context();
    expect(program.parse(['--version'], version)).toBeUndefined();
    expect(version.out).toBe('1.2.3\n');
  });

  it('writes the README table from the same table', () => {
    expect(program.flagsMarkdown()).toBe(
      [
        '| flag | meaning | default |',
        '|---|---|---|',
        '| `--prompts <file>` | prompts file |  |',
        '| `--out <dir>` | where \\| files go | ./output |',
        '| `--triton <host:port>` | endpoint | $TRITON_URL |',
        '| `--model <id>` | model id | $MODEL_ID, else medium |',
        '| `--concurrency <n>` | at once |  |',
        '| `--format <format>` | WAV format (wav16, wav24) | wav16 |',
        '| `--shard <i/n>` | share | 1/1 |',
        '| `--dry-run` | plan only |  |',
        '| `--local` | no server |  |',
      ].join('\n'),
    );
  });
});

const HOST = { flags: '--host <host>', description: 'the pod' } as const;
const commands = defineCommands({
  name: 'ops',
  version: '0.1.0',
  description: 'Operate.',
  commands: {
    up: {
      summary: 'start it',
      flags: defineFlags({ host: HOST, restart: { flags: '--restart', description: 'restart' } }),
    },
    run: {
      summary: 'run it; other flags go on',
      flags: defineFlags({
        host: HOST,
        lines: { flags: '--lines <n>', description: 'lines', parse: integer({ min: 0 }), default: 20 },
      }),
      passThrough: true,
    },
  },
});

describe('defineCommands', () => {
  it('gives the command, its typed options and what it passes through', () => {
    const up = commands.parse(['up', '--restart'], context());
    expect(up).toEqual({ command: 'up', options: { restart: true }, rest: [] });
    const run = commands.parse(
      ['run', '--format=wav24', '--lines', '3', '--seed', '7', '--host=h'],
      context(),
    );
    expect(run).toEqual({
      command: 'run',
      options: { lines: 3, host: 'h' },
      rest: ['--format=wav24', '--seed', '7'],
    });
    if (run?.command === 'run') expectTypeOf(run.options).toEqualTypeOf<{ lines: number; host?: string }>();
  });

  it.each<[string[], string]>([
    [[], 'Missing command: give one of up, run (see ops --help)'],
    [['down'], "unknown command 'down' (see ops --help)"],
    [['up', '--seed=7'], "unknown option '--seed=7' (see ops --help)"],
    [['run', '--lines=-1'], 'Cannot use --lines as it must be an integer >= 0: current value is "-1"'],
  ])('%j: %s', (argv, message) => {
    expect(() => commands.parse(argv, context())).toThrow(new UsageError(message));
  });

  it("prints a command's help", () => {
    const help = context();
    expect(commands.parse(['run', '--help'], help)).toBeUndefined();
    expect(help.out).toBe(
      [
        'Usage: ops run [options]',
        '',
        'run it; other flags go on',
        '',
        'Options:',
        '  --host <host>  the pod',
        '  --lines <n>    lines (default: 20)',
        '  --help         show this help',
        '',
      ].join('\n'),
    );
  });

  it('writes one README table with a command column', () => {
    expect(commands.flagsMarkdown()).toBe(
      [
        '| command | flag | meaning | default |',
        '|---|---|---|---|',
        '| `up` | `--host <host>` | the pod |  |',
        '| `up` | `--restart` | restart |  |',
        '| `run` | `--host <host>` | the pod |  |',
        '| `run` | `--lines <n>` | lines | 20 |',
      ].join('\n'),
    );
  });
});
