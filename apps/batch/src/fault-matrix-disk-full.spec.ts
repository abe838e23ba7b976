import { open, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startPreviewEngine } from '@musicgen/preview-engine';
import { mountTmpfs, type MountedTmpfs } from '@musicgen/store/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { runCliProcess, startCli, tempWorkspace, wavFiles } from './testing/cli-process.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PRELOAD = join(import.meta.dirname, 'testing/fs-faults-preload.mjs');
const JOBS = 6;
const prompts =
  Array.from({ length: JOBS }, (_, i) => `disk texture ${i} ; 1 ; disk${i} ; seed=${i}`).join('\n') + '\n';

/**
 * A small file system when this machine lets the test mount one (tmpfs), else a folder whose writes are
 * made to fail with ENOSPC at the file layer (a preload in the command). The test names which it used;
 * MUSICGEN_TEST_NO_MOUNT=1 forces the second.
 */
const probe = process.env['MUSICGEN_TEST_NO_MOUNT']
  ? 'MUSICGEN_TEST_NO_MOUNT is set'
  : await mountTmpfs({ sizeBytes: 4096 });
const TMPFS = typeof probe !== 'string';
if (typeof probe !== 'string') await probe.unmount();
const METHOD = TMPFS
  ? 'a full tmpfs'
  : 'ENOSPC injected at the file layer (this machine cannot mount a tmpfs)';

async function disk(sizeBytes: number): Promise<MountedTmpfs> {
  const mounted = await mountTmpfs({ sizeBytes });
  if (typeof mounted === 'string') throw new Error(mounted);
  cleanups.push(() => mounted.unmount());
  return mounted;
}

/** Fills the file system at `folder` up to the last byte; returns the filler's path. */
async function fill(folder: string): Promise<string> {
  const path = join(folder, 'filler');
  const handle = await open(path, 'w');
  const block = Buffer.alloc(4096, 1);
  try {
    for (;;) await handle.write(block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close();
  }
  return path;
}

describe('fault matrix: the disk fills up', () => {
  it.runIf(TMPFS)(
    'refuses to start when the output disk cannot hold the run (a 256 KB tmpfs)',
    async () => {
      const ws = await tempWorkspace(prompts);
      cleanups.push(() => ws.close());
      const small = await disk(256 * 1024);
      const out = join(small.path, 'renders');
      const engine = await startPreviewEngine({ host: '127.0.0.1' });
      cleanups.push(() => engine.close());
      const { code, stdout, stderr } = await runCliProcess(
        ['--prompts', 'prompts.txt', '--out', out, '--triton', engine.url],
        {
          cwd: ws.dir,
        },
      );
      expect({ code, stdout, stderr }).toEqual({
        code: 2,
        stdout: '',
        stderr:
          `Note: ${engine.url} serves the preview engine (a synthesiser, not MusicGen)\n` +
          `musicgen-batch: Cannot start as the output directory ${out} has 262.1 KB free and this run needs 1.5 MB for 6 WAVs not yet stored; free some space or choose another --out\n`,
      });
      expect(await readdir(small.path)).toEqual([]);
    },
    120_000,
  );

  it(`mid-run (${METHOD}): generation pauses, the WAVs wait in the spool, all are stored once space is back`, async () => {
    const ws = await tempWorkspace(prompts);
    cleanups.push(() => ws.close());
    const engine = await startPreviewEngine({ host: '127.0.0.1', framesPerSecond: 50 });
    cleanups.push(() => engine.close());
    let out: string;
    let makeFull: () => Promise<void>;
    let makeRoom: () => Promise<void>;
    let env: Record<string, string> = {};
    if (TMPFS) {
      const small = await disk(4 * 1024 * 1024);
      out = join(small.path, 'renders');
      let filler = '';
      makeFull = async () => {
        filler = await fill(small.path);
      };
      makeRoom = () => rm(filler);
    } else {
      out = join(ws.dir, 'output');
      const flag = join(ws.dir, 'disk-is-full');
      env = {
        NODE_OPTIONS: `--import=${PRELOAD}`,
        MUSICGEN_TEST_ENOSPC_DIR: out,
        MUSICGEN_TEST_ENOSPC_FLAG: flag,
      };
      makeFull = () => writeFile(flag, '');
      makeRoom = () => rm(flag);
    }
    const spool = join(ws.dir, 'spool');
    const args = ['--prompts', 'prompts.txt', '--out', out, '--triton', engine.url, '--concurrency', '1'];
    const run = startCli([...args, '--spool', spool, '--json'], { cwd: ws.dir, env });
    await run.waitForStderr(/disk0_[0-9a-f]{8}\.wav: generated/);
    await makeFull();
    await run.waitForStderr(
      /Store failing \(.*ENOSPC.*\): generation paused; finished WAVs wait in the spool/,
    );
    await pause(3_000);
    await makeRoom();
    const { code, stdout, stderr } = await run.done;
    const report = JSON.parse(stdout) as {
      jobs: { key: string; status: string; spooled?: boolean; windows: number; retries: number }[];
    };
    expect(code).toBe(0);
    expect(stderr).toMatch(/Store back after \d+s: [12] spooled WAVs? uploaded; generation resumes/);
    expect(report.jobs.map((j) => [j.status, j.windows, j.retries])).toEqual(
      Array(JOBS).fill(['generated', 1, 0]),
    );
    expect(report.jobs.filter((j) => j.spooled).length).toBeGreaterThanOrEqual(1);
    expect(await wavFiles(out)).toEqual(report.jobs.map((j) => j.key).sort());
    expect((await readdir(out, { recursive: true })).filter((f) => f.endsWith('.partial'))).toEqual([]);
  }, 180_000);
});
