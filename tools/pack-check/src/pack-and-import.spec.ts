import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const execFileAsync = promisify(execFile);

/** Runs a command; on failure the error message carries its output, so a compile error is readable. */
async function run(
  file: string,
  args: string[],
  options: { cwd: string; maxBuffer?: number; timeout?: number },
): Promise<{ stdout: string }> {
  try {
    return await execFileAsync(file, args, { maxBuffer: 64 * 1024 * 1024, ...options });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed:\n${stdout}${stderr}`, { cause: error });
  }
}
const workspaceRoot = resolve(import.meta.dirname, '../../..');
const consumerTemplate = resolve(import.meta.dirname, '../consumer');

interface PackedFile {
  path: string;
}
interface PackResult {
  name: string;
  filename: string;
  files: PackedFile[];
}

/** The publishable libraries: every non-private package under libs/. */
async function libraryDirs(): Promise<string[]> {
  const dirs: string[] = [];
  for (const entry of await readdir(join(workspaceRoot, 'libs'))) {
    const manifest = JSON.parse(await readFile(join(workspaceRoot, 'libs', entry, 'package.json'), 'utf8'));
    if (!manifest.private) dirs.push(`./libs/${entry}`);
  }
  return dirs.sort();
}

describe('npm pack → install → compile → run', () => {
  let work: string;
  let packed: PackResult[];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'musicgen-pack-check-'));
    const dirs = await libraryDirs();
    for (const dir of dirs) {
      const built = await stat(join(workspaceRoot, dir, 'dist', 'index.js')).catch(() => undefined);
      if (!built)
        throw new Error(`Cannot pack ${dir}: dist/index.js is missing; run \`npx nx run-many -t build\``);
    }
    const tarballs = join(work, 'tarballs');
    await mkdir(tarballs);
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', tarballs, ...dirs], {
      cwd: workspaceRoot,
    });
    packed = JSON.parse(stdout) as PackResult[];

    const consumer = join(work, 'consumer');
    await cp(consumerTemplate, consumer, { recursive: true });
    // The templates have other names so that Nx takes them neither for a workspace project nor for a
    // TypeScript project to keep in sync.
    await rename(join(consumer, 'package.template.json'), join(consumer, 'package.json'));
    await rename(join(consumer, 'tsconfig.template.json'), join(consumer, 'tsconfig.json'));
    const tgzs = packed.map((p) => join(tarballs, p.filename));
    await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tgzs],
      { cwd: consumer },
    );
  });

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('packs every library with its built code, types and README, and without sources or tests', async () => {
    const dirs = await libraryDirs();
    expect(packed.map((p) => p.name).sort()).toEqual(
      await Promise.all(
        dirs.map(
          async (d) => JSON.parse(await readFile(join(workspaceRoot, d, 'package.json'), 'utf8')).name,
        ),
      ).then((names) => names.sort()),
    );
    for (const p of packed) {
      const paths = p.files.map((f) => f.path);
      expect(paths, p.name).toContain('dist/index.js');
      expect(paths, p.name).toContain('dist/index.d.ts');
      expect(paths, p.name).toContain('README.md');
      expect(
        paths.filter((f) => f.startsWith('src/') || f.endsWith('.spec.js') || f.endsWith('.tsbuildinfo')),
        p.name,
      ).toEqual([]);
    }
  });

  it('compiles a strict TypeScript consumer against the installed packages and runs it', async () => {
    const consumer = join(work, 'consumer');
    const tsc = join(consumer, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(process.execPath, [tsc, '-p', consumer], { cwd: consumer });
    const { stdout } = await run(process.execPath, [join(consumer, 'dist', 'main.js')], {
      cwd: consumer,
      timeout: 60_000,
    });
    const expected = JSON.parse(await readFile(join(consumerTemplate, 'expected.json'), 'utf8'));
    expect(JSON.parse(stdout)).toEqual(expected);
  });
});
