import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DeployError } from '../deploy-error.js';

const execFileAsync = promisify(execFile);

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
}

async function readManifest(dir: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Manifest;
}

async function run(file: string, args: string[], cwd: string, what: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync(file, args, {
      cwd,
      maxBuffer: 64 * 1024 * 1024,
      // npm is npm.cmd on Windows, which only a shell can start.
      shell: process.platform === 'win32',
    });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    const last = `${stdout}\n${stderr}`.trim().split('\n').slice(-3).join(' | ');
    throw new DeployError('PACK_FAILED', `Cannot ${what} as \`${file} ${args.join(' ')}\` failed: ${last}`);
  }
}

/** The workspace libraries the batch app needs, directly or through each other (by package name). */
async function batchLibraries(workspaceRoot: string): Promise<string[]> {
  const byName = new Map<string, { dir: string; manifest: Manifest }>();
  for (const entry of await readdir(join(workspaceRoot, 'libs'))) {
    const dir = join(workspaceRoot, 'libs', entry);
    const manifest = await readManifest(dir).catch(() => undefined);
    if (manifest) byName.set(manifest.name, { dir, manifest });
  }
  const needed = new Set<string>();
  const visit = (manifest: Manifest) => {
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      const lib = byName.get(name);
      if (lib && !needed.has(name)) {
        needed.add(name);
        visit(lib.manifest);
      }
    }
  };
  visit(await readManifest(join(workspaceRoot, 'apps', 'batch')));
  return [...needed].sort().map((name) => (byName.get(name) as { dir: string }).dir);
}

/**
 * Makes the `npm pack` tarballs the batch needs on the pod, in `outDir`: the workspace libraries it
 * depends on (built to `dist/` first) and the batch app itself, compiled to JavaScript (the app runs
 * from TypeScript sources in the workspace; on the pod it runs as plain Node). npm pack writes fixed
 * timestamps, so unchanged sources give byte-identical tarballs and nothing is uploaded again.
 *
 * @example
 * ```ts
 * const tarballs = await packBatch('/path/to/repo', '/tmp/packages');
 * // ['musicgen-batch-0.1.0.tgz', 'musicgen-chunking-0.1.0.tgz', ...]
 * ```
 *
 * @throws {DeployError} `PACK_FAILED` with the failing command's last lines.
 */
export async function packBatch(workspaceRoot: string, outDir: string): Promise<string[]> {
  const tsc = join(workspaceRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  await run(
    process.execPath,
    [tsc, '-b', join('apps', 'batch', 'tsconfig.app.json')],
    workspaceRoot,
    'build the batch',
  );
  const stage = join(outDir, '..', 'batch-stage');
  await rm(stage, { recursive: true, force: true });
  await mkdir(join(stage, 'bin'), { recursive: true });
  await mkdir(outDir, { recursive: true });
  const batchDir = join(workspaceRoot, 'apps', 'batch');
  await cp(join(batchDir, 'out-tsc', 'app'), join(stage, 'app'), {
    recursive: true,
    filter: (source) => !/\.(d\.ts|map|tsbuildinfo)$/.test(source) && !/\.spec\.js$/.test(source),
  });
  // The dry run's GPU throughput table is data next to its module, not compiled code.
  await cp(
    join(batchDir, 'src', 'plan', 'gpu-throughput.json'),
    join(stage, 'app', 'plan', 'gpu-throughput.json'),
  );
  const manifest = await readManifest(batchDir);
  const dependencies = Object.fromEntries(
    Object.entries(manifest.dependencies ?? {}).filter(([name]) => name !== 'tsx'),
  );
  await writeFile(
    join(stage, 'package.json'),
    JSON.stringify(
      {
        name: manifest.name,
        version: manifest.version,
        private: true,
        description: 'The batch CLI compiled to JavaScript, for running on a GPU pod.',
        license: 'MIT',
        type: 'module',
        bin: { 'musicgen-batch': './bin/musicgen-batch.js' },
        engines: { node: '>=22.12' },
        dependencies,
      },
      null,
      2,
    ) + '\n',
  );
  await writeFile(
    join(stage, 'bin', 'musicgen-batch.js'),
    "#!/usr/bin/env node\nimport '../app/main.js';\n",
    {
      mode: 0o755,
    },
  );
  const libraries = await batchLibraries(workspaceRoot);
  const stdout = await run(
    'npm',
    ['pack', '--json', '--pack-destination', outDir, ...libraries, stage],
    workspaceRoot,
    'pack the batch and its libraries',
  );
  await rm(stage, { recursive: true, force: true });
  return (JSON.parse(stdout) as { filename: string }[]).map((p) => p.filename).sort();
}
