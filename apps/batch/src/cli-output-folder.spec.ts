import { afterEach, describe, expect, it } from 'vitest';
import { mountTmpfs } from '@musicgen/store/testing';
import { runCliProcess, tempWorkspace } from './testing/cli-process.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});
async function workspace(prompts: string) {
  const ws = await tempWorkspace(prompts);
  cleanups.push(() => ws.close());
  return ws.dir;
}

describe('musicgen-batch --out on folders that cannot hold files (child process)', () => {
  it.runIf(process.platform === 'linux')(
    'refuses --out=/proc/out at once with exit 2',
    async () => {
      const dir = await workspace('a ; 1 ; a\n');
      const { code, stdout, stderr } = await runCliProcess(['--prompts', 'prompts.txt', '--out=/proc/out'], {
        cwd: dir,
      });
      expect({ code, stdout, stderr }).toEqual({
        code: 2,
        stdout: '',
        stderr:
          'musicgen-batch: Cannot use the store /proc/out: Cannot write to the output directory /proc/out: /proc is a proc pseudo-file system, which holds no files; choose a directory on a disk\n',
      });
    },
    60_000,
  );

  it('says a read-only --out is read-only', async (context) => {
    const disk = await mountTmpfs({ sizeBytes: 1 << 20, readOnly: true });
    if (typeof disk === 'string') return context.skip(disk);
    cleanups.push(() => disk.unmount());
    const dir = await workspace('a ; 1 ; a\n');
    const out = `${disk.path}/renders`;
    const { code, stderr } = await runCliProcess(['--prompts', 'prompts.txt', `--out=${out}`], { cwd: dir });
    expect({ code, stderr }).toEqual({
      code: 2,
      stderr: `musicgen-batch: Cannot use the store ${out}: Cannot write to the output directory ${out}: it is on a read-only file system (EROFS); choose another output directory or mount it read-write\n`,
    });
  }, 60_000);
});
