import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '@musicgen/cli';
import { describe, expect, it } from 'vitest';
import { MONITOR_PROGRAM } from './monitor-program.js';

const parse = (argv: string[]) => MONITOR_PROGRAM.parse(argv, { env: {}, writeOut: () => undefined });

describe('MONITOR_PROGRAM', () => {
  it.each([
    [['logs'], { command: 'logs', options: { lines: 20, acceptNewHostKey: false }, rest: [] }],
    [
      ['logs', '--run=songs', '--since=2026-12-01T09:30:00Z', '--grep', 'err|fail', '--lines=0', '--host=h'],
      {
        command: 'logs',
        options: {
          run: 'songs',
          since: new Date('2026-12-01T09:30:00Z'),
          grep: /err|fail/i,
          lines: 0,
          host: 'h',
          acceptNewHostKey: false,
        },
        rest: [],
      },
    ],
    [['system', '--json'], { command: 'system', options: { json: true, acceptNewHostKey: false }, rest: [] }],
    [
      ['gpu', '--watch', '--interval=0.5'],
      {
        command: 'gpu',
        options: { watch: true, interval: 0.5, json: false, acceptNewHostKey: false },
        rest: [],
      },
    ],
    [
      ['metrics'],
      {
        command: 'metrics',
        options: { interval: 5, watch: false, json: false, acceptNewHostKey: false },
        rest: [],
      },
    ],
    [
      ['page'],
      { command: 'page', options: { port: 8090, viaSsh: false, acceptNewHostKey: false }, rest: [] },
    ],
    [
      [
        'page',
        '--out=s3://renders/v1',
        '--port=0',
        '--cache-dir=c',
        '--metrics=http://127.0.0.1:8002/metrics',
      ],
      {
        command: 'page',
        options: {
          out: 's3://renders/v1',
          port: 0,
          cacheDir: 'c',
          metrics: 'http://127.0.0.1:8002/metrics',
          viaSsh: false,
          acceptNewHostKey: false,
        },
        rest: [],
      },
    ],
    [
      ['page', '--via-ssh', '--host=203.0.113.7:22044', '--accept-new-host-key'],
      {
        command: 'page',
        options: { port: 8090, viaSsh: true, host: '203.0.113.7:22044', acceptNewHostKey: true },
        rest: [],
      },
    ],
    [
      ['tunnel', '--local-port=0', '--accept-new-host-key'],
      { command: 'tunnel', options: { localPort: 0, acceptNewHostKey: true }, rest: [] },
    ],
  ])('%j', (argv, expected) => {
    expect(parse(argv)).toEqual(expected);
  });

  it.each([
    [
      [],
      'Missing command: give one of logs, system, gpu, metrics, page, tunnel (see musicgen-monitor --help)',
    ],
    [
      ['page', '--port=65536'],
      'Cannot use --port as it must be an integer from 0 to 65535: current value is "65536"',
    ],
    [
      ['tunnel', '--local-port=1.5'],
      'Cannot use --local-port as it must be an integer from 0 to 65535: current value is "1.5"',
    ],
    [
      ['gpu', '--json', 'extra'],
      "too many arguments for 'gpu'. Expected 0 arguments but got 1. (see musicgen-monitor --help)",
    ],
  ])('refuses %j', (argv, message) => {
    expect(() => parse(argv)).toThrow(new UsageError(message));
  });

  it('is what the README shows', async () => {
    const readme = await readFile(join(import.meta.dirname, '../../README.md'), 'utf8');
    expect(readme).toContain(MONITOR_PROGRAM.flagsMarkdown());
  });
});
