import { describe, expect, it } from 'vitest';
import { defineProgram } from './cli-program.js';
import { defineFlags } from './flag-table.js';
import { EXIT, runProgram, type ProgramHandlers } from './run-program.js';
import { UsageError } from './usage-error.js';
import { integer } from './value-parsers.js';

class RefusedKey extends Error {}

const program = defineProgram({
  name: 'tool',
  version: '1.0.0',
  description: 'Does it.',
  flags: defineFlags({ n: { flags: '--n <n>', description: 'n', parse: integer({ min: 0 }), default: 0 } }),
});

async function run(argv: string[], handlers: ProgramHandlers<{ options: { n: number } }>) {
  let stdout = '';
  let stderr = '';
  const code = await runProgram(
    program,
    argv,
    {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      env: {},
    },
    handlers,
  );
  return { code, stdout, stderr };
}

const work = async ({ options }: { options: { n: number } }) => {
  if (options.n === 1) throw new Error('the pod is gone\n  at somewhere (stack)');
  if (options.n === 2) throw new UsageError('Cannot use --n as two is not allowed: current value is "2"');
  if (options.n === 3) throw new RefusedKey('Cannot trust the pod as its host key changed');
  if (options.n === 4) throw 'a string';
  return options.n === 0 ? EXIT.OK : 130;
};
const handlers = { run: work, isUsageError: (e: unknown) => e instanceof RefusedKey };

describe('runProgram', () => {
  it.each<[string[], { code: number; stdout: string; stderr: string }]>([
    [[], { code: 0, stdout: '', stderr: '' }],
    [['--n=5'], { code: 130, stdout: '', stderr: '' }],
    [['--version'], { code: 0, stdout: '1.0.0\n', stderr: '' }],
    [
      ['--n=x'],
      {
        code: 2,
        stdout: '',
        stderr: 'tool: Cannot use --n as it must be an integer >= 0: current value is "x"\n',
      },
    ],
    [['--m'], { code: 2, stdout: '', stderr: "tool: unknown option '--m' (see tool --help)\n" }],
    [['--n=1'], { code: 1, stdout: '', stderr: 'tool: the pod is gone at somewhere (stack)\n' }],
    [
      ['--n=2'],
      { code: 2, stdout: '', stderr: 'tool: Cannot use --n as two is not allowed: current value is "2"\n' },
    ],
    [['--n=3'], { code: 2, stdout: '', stderr: 'tool: Cannot trust the pod as its host key changed\n' }],
    [['--n=4'], { code: 1, stdout: '', stderr: 'tool: a string\n' }],
  ])('%j ends with %j', async (argv, expected) => {
    expect(await run(argv, handlers)).toEqual(expected);
  });

  it('tells errors the way the program describes them', async () => {
    expect(await run(['--n=1'], { ...handlers, describe: () => 'Cannot reach the pod: gone' })).toEqual({
      code: 1,
      stdout: '',
      stderr: 'tool: Cannot reach the pod: gone\n',
    });
  });

  it('prints help on stdout', async () => {
    const { code, stdout, stderr } = await run(['--help'], handlers);
    expect([code, stdout, stderr]).toEqual([0, program.help(), '']);
  });
});
