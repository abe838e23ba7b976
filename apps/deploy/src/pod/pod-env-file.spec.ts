import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SSH_ENV } from '@musicgen/ssh';
import { describe, expect, it } from 'vitest';
import { buildPodEnvFile, POD_ENV_KEYS } from './pod-env-file.js';

const root = resolve(import.meta.dirname, '../../../..');
const S3_KEYS = [
  'MUSICGEN_S3_BUCKET',
  'MUSICGEN_S3_PREFIX',
  'MUSICGEN_S3_FORCE_PATH_STYLE',
  'MUSICGEN_S3_CHECKSUM_MODE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_ENDPOINT_URL_S3',
];

describe('buildPodEnvFile', () => {
  it('writes the set variables in a fixed order, one KEY=VALUE line each, nothing else', () => {
    expect(
      buildPodEnvFile({
        AWS_SECRET_ACCESS_KEY: ' s3cr3t ',
        AWS_ACCESS_KEY_ID: 'AKIA1',
        MUSICGEN_MODEL_ID: 'facebook/musicgen-small',
        MUSICGEN_S3_PREFIX: '',
        RUNPOD_SSH_KEY_PASSPHRASE: 'never copied',
        PATH: '/usr/bin',
      }),
    ).toEqual({
      text: [
        '# The pod settings file, written by `nx run deploy:pod` from the laptop environment (.env).',
        '# Mode 600: it holds secrets. Read by infra/pod/pod.sh, and by the batch as its .env.',
        'MUSICGEN_MODEL_ID=facebook/musicgen-small',
        'AWS_ACCESS_KEY_ID=AKIA1',
        'AWS_SECRET_ACCESS_KEY=s3cr3t',
        '',
      ].join('\n'),
      names: ['MUSICGEN_MODEL_ID', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'],
    });
  });

  it('copies exactly the pod runtime settings that may come from the file (infra/pod settings.py), plus S3', async () => {
    const source = await readFile(resolve(root, 'infra/pod/musicgen_pod/settings.py'), 'utf8');
    const block = /SETTINGS: Dict\[str, str\] = \{([\s\S]*?)\n\}/.exec(source)?.[1] ?? '';
    const runtime = [...block.matchAll(/^\s*"([A-Z0-9_]+)":/gm)].map((m) => m[1]);
    const processOnly = [
      ...(/PROCESS_ONLY = \(([^)]*)\)/.exec(source)?.[1] ?? '').matchAll(/"([A-Z0-9_]+)"/g),
    ].map((m) => m[1]);
    expect(processOnly).toEqual(['MUSICGEN_VOLUME', 'MUSICGEN_POD_ENV_FILE', 'MUSICGEN_LISTEN_ADDRESS']);
    expect([...POD_ENV_KEYS].sort()).toEqual(
      [...runtime.filter((k) => !processOnly.includes(k)), ...S3_KEYS].sort(),
    );
  });

  it('every variable the tools read is documented in .env.template', async () => {
    const template = await readFile(resolve(root, '.env.template'), 'utf8');
    // A `NAME=` line, or (AWS_REGION) a mention in the comment of its twin.
    const read = [...Object.values(SSH_ENV), ...POD_ENV_KEYS, 'MUSICGEN_VOLUME'];
    expect(read.filter((name) => !new RegExp(`^${name}=|\\b${name}\\b`, 'm').test(template))).toEqual([]);
    expect(
      read.filter((name) => name !== 'AWS_REGION' && !new RegExp(`^${name}=`, 'm').test(template)),
    ).toEqual([]);
  });
});
