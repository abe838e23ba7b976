import { resolve } from 'node:path';
import { packBatch } from './pack-batch.js';

/**
 * `tsx --conditions=@musicgen/source apps/deploy/src/run/pack-main.ts OUT_DIR`: the batch's `npm pack`
 * tarballs, as deploy:run uploads them, into OUT_DIR (the batch image of infra/docker/Dockerfile installs
 * them). Prints the tarball names.
 */
const outDir = process.argv[2];
if (outDir === undefined || outDir.trim() === '') {
  process.stderr.write(
    'pack-main: Cannot pack the batch as no output folder is given: pass one, e.g. /packages\n',
  );
  process.exit(2);
}
const root = resolve(import.meta.dirname, '../../../..');
for (const name of await packBatch(root, resolve(outDir))) process.stdout.write(name + '\n');
