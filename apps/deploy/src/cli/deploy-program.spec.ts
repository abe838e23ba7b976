import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '@musicgen/cli';
import { describe, expect, it } from 'vitest';
import { DEPLOY_PROGRAM } from './deploy-program.js';

const parse = (argv: string[]) => DEPLOY_PROGRAM.parse(argv, { env: {}, writeOut: () => undefined });

describe('DEPLOY_PROGRAM', () => {
  it.each([
    [
      ['pod'],
      { command: 'pod', options: { acceptNewHostKey: false, restart: false, verify: false }, rest: [] },
    ],
    [
      [
        'pod',
        '--host=10.0.0.2:2222',
        '--accept-new-host-key',
        '--restart',
        '--verify',
        '--verify-record= v.json ',
      ],
      {
        command: 'pod',
        options: {
          host: '10.0.0.2:2222',
          acceptNewHostKey: true,
          restart: true,
          verify: true,
          verifyRecord: 'v.json',
        },
        rest: [],
      },
    ],
    [
      ['run', '--prompts', 'songs.txt', '--format=wav24', '--seed', '7', '--attach', '--name=n'],
      {
        command: 'run',
        options: { prompts: 'songs.txt', name: 'n', attach: true, acceptNewHostKey: false },
        rest: ['--format=wav24', '--seed', '7'],
      },
    ],
    [
      ['and-monitor', '--prompts=p.txt', '--restart', '--model=m'],
      {
        command: 'and-monitor',
        options: { prompts: 'p.txt', acceptNewHostKey: false, restart: true },
        rest: ['--model=m'],
      },
    ],
  ])('%j', (argv, expected) => {
    expect(parse(argv)).toEqual(expected);
  });

  it.each([
    [[], 'Missing command: give one of pod, run, and-monitor (see musicgen-deploy --help)'],
    [
      ['run'],
      'Missing --prompts <file>: give the prompts file to run on the pod, for example --prompts=prompts.txt',
    ],
    [['pod', '--format=wav24'], "unknown option '--format=wav24' (see musicgen-deploy --help)"],
  ])('refuses %j', (argv, message) => {
    expect(() => parse(argv)).toThrow(new UsageError(message));
  });

  it('is what the README shows', async () => {
    const readme = await readFile(join(import.meta.dirname, '../../README.md'), 'utf8');
    expect(readme).toContain(DEPLOY_PROGRAM.flagsMarkdown());
  });
});
