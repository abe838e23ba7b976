import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { isSupportedNode } from '@musicgen/cli';
import { startPreviewEngine, type PreviewEngine } from '@musicgen/preview-engine';
import { S3RVER_CREDENTIALS, startS3rver, type RunningS3rver } from '@musicgen/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, tempWorkspace } from './testing/cli-process.js';

// The bin on an older Node.js than the workspace supports, talking to S3 (the AWS SDK warns when it
// makes a client): one line of ours, never the SDK's several. The old Node.js is pretended by setting
// process.version before the bin loads, which is what the SDK and the kit read.
const run = promisify(execFile);
const PRETEND_NODE_20 = 'data:text/javascript,Object.defineProperty(process,"version",{value:"v20.19.0"})';
const notice = (version: string) =>
  `Note: Node.js ${version} is older than 22.12.0, the oldest this tool supports: install the current LTS from https://nodejs.org`;

let engine: PreviewEngine;
let s3: RunningS3rver;
let workspace: { dir: string; close(): Promise<void> };
beforeAll(async () => {
  engine = await startPreviewEngine({ host: '127.0.0.1' });
  s3 = await startS3rver({ buckets: ['musicgen-test'] });
  workspace = await tempWorkspace('soft rain ; 1 ; rain\n');
});
afterAll(async () => {
  await workspace?.close();
  await s3?.close();
  await engine?.close();
});

async function dryRunToS3(nodeArgs: string[], awsWarningSwitch?: string) {
  const env = cleanEnv({
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    MUSICGEN_S3_FORCE_PATH_STYLE: 'true',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
  });
  delete env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'];
  if (awsWarningSwitch !== undefined)
    env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = awsWarningSwitch;
  const args = [
    ...nodeArgs,
    BIN,
    '--prompts=prompts.txt',
    `--triton=${engine.url}`,
    '--out=s3://musicgen-test/run',
  ];
  const { stderr } = await run(process.execPath, [...args, '--dry-run'], { cwd: workspace.dir, env });
  return stderr;
}

describe('musicgen-batch and the Node.js it runs on', () => {
  it('says one line of its own on an older Node.js, and the AWS SDK says nothing', async () => {
    expect(await dryRunToS3(['--import', PRETEND_NODE_20])).toBe(
      `${notice('20.19.0')}\nNote: ${engine.url} serves the preview engine (a synthesiser, not MusicGen)\n`,
    );
  });

  it('says nothing about the Node.js it runs on when that is supported', async () => {
    const version = process.version.slice(1);
    const expected = isSupportedNode(version) ? [] : [notice(version)];
    expect(await dryRunToS3([])).toBe(
      [...expected, `Note: ${engine.url} serves the preview engine (a synthesiser, not MusicGen)`, ''].join(
        '\n',
      ),
    );
  });

  it('leaves the AWS SDK its own warning when the user asked for it (and the SDK does warn in this run)', async () => {
    const stderr = await dryRunToS3(['--import', PRETEND_NODE_20], 'false');
    expect(stderr).not.toContain('Note: Node.js');
    expect(stderr).toContain('NodeVersionSupportWarning: The AWS SDK for JavaScript (v3)');
  });
});
