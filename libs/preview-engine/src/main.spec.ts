import { MusicgenClient, TritonClient } from '@musicgen/triton-client';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { previewReferenceCodes } from './reference-codes.js';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));

describe('serve (the command line)', () => {
  it('serves another process and stops cleanly on SIGINT with exit code 0', async () => {
    const child = spawn(tsx, ['--conditions=@musicgen/source', 'src/main.ts', '--port', '0'], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    const address = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: string) => {
        stderr += chunk;
        const match = /listening on (\S+)/.exec(stderr);
        if (match) resolve(match[1] as string);
      });
      child.once('exit', (code) => reject(new Error(`serve exited early with ${code}: ${stderr}`)));
    });
    expect(stderr).toContain('preview engine (a synthesiser, not MusicGen) listening on 127.0.0.1:');

    const client = new TritonClient({ address });
    try {
      const codes = await new MusicgenClient({ client }).generateWindow({
        text: 'cli',
        frames: 60,
        seed: 5n,
      });
      expect(codes).toEqual(previewReferenceCodes({ text: 'cli', frames: 60, seed: 5n }));
    } finally {
      client.close();
    }

    const exited = once(child, 'exit');
    child.kill('SIGINT');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(stderr).toContain('preview engine: SIGINT received, stopping\npreview engine: stopped\n');
  }, 60_000);

  it('exits with code 2 and usage on a bad argument', async () => {
    const child = spawn(tsx, ['--conditions=@musicgen/source', 'src/main.ts', '--colour', 'red'], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toContain(
      "Cannot start the preview engine: unknown argument: got '--colour'\n\nUsage: nx run preview:serve",
    );
  }, 60_000);
});
