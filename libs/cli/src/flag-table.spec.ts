import { describe, expect, it } from 'vitest';
import { defineFlags, type FlagSpec } from './flag-table.js';
import { integer } from './value-parsers.js';

describe('defineFlags', () => {
  it('returns the table as written', () => {
    const table = {
      topK: { flags: '--top-k <n>', description: 'top-k', parse: integer({ min: 0 }), default: 250 },
    };
    expect(defineFlags(table)).toBe(table);
  });

  it.each<[string, FlagSpec, string]>([
    [
      'out',
      { flags: '-o, --out <dir>', description: 'd' },
      'its syntax must be --name or --name <value>: current value is "-o, --out <dir>"',
    ],
    [
      'out',
      { flags: '--out [dir]', description: 'd' },
      'its syntax must be --name or --name <value>: current value is "--out [dir]"',
    ],
    [
      'top_k',
      { flags: '--top-k <n>', description: 'd' },
      'commander stores --top-k <n> as "topK": rename the key',
    ],
    [
      'force',
      { flags: '--force', description: 'd', env: 'FORCE' },
      'a switch takes no parse, choices, env, required or default: give it a <value>',
    ],
    [
      'prompts',
      { flags: '--prompts <file>', description: 'd', required: 'give it', env: 'PROMPTS' },
      'a required flag has no default and no environment variable',
    ],
    [
      'shard',
      { flags: '--shard <i/n>', description: 'd', default: { index: 1 } },
      'a default that is not a plain value needs a defaultText',
    ],
    [
      'viaSsh',
      { flags: '--via-ssh', description: 'd', conflicts: ['tunnel'] },
      'it conflicts with "tunnel", which is not another flag of the table',
    ],
  ])('refuses %s: %j', (key, spec, problem) => {
    expect(() => defineFlags({ [key]: spec })).toThrow(
      new TypeError(`Cannot define the flag ${key} as ${problem}`),
    );
  });
});
