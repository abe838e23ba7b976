// Store benchmark: many 2 MB puts with bounded concurrency (S3 protocol and local directory), and the
// memory of one large streamed upload. Run: npx nx run store:bench [-- --concurrency=8 --objects=100]
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { createLocalStore, createS3Client, createS3Store, type ObjectStore } from '../src/index.js';
import { S3RVER_CREDENTIALS } from '../src/testing/index.js';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '100' },
    'object-mb': { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '8' },
    'large-mb': { type: 'string', default: '200' },
  },
});
const objects = Number(values.objects);
const objectBytes = Number(values['object-mb']) * 1024 * 1024;
const concurrency = Number(values.concurrency);
const largeBytes = Number(values['large-mb']) * 1024 * 1024;
const MiB = 1024 * 1024;

async function startServerProcess(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@musicgen/source', join(import.meta.dirname, 's3rver-process.ts')],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
    });
    child.once('exit', (code) => reject(new Error(`s3rver process exited with ${code}`)));
  });
  const { endpoint } = JSON.parse(line) as { endpoint: string };
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Puts `objects` bodies of `objectBytes` with at most `concurrency` in flight; returns seconds taken. */
async function putMany(store: ObjectStore, prefix: string): Promise<number> {
  const body = Buffer.alloc(objectBytes, 0x5a);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < objects) {
        const index = next++;
        await store.put(`${prefix}/object-${String(index).padStart(4, '0')}.bin`, body);
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

/** Uploads `bytes` generated on the fly while sampling RSS and heap; returns the peaks above the start. */
async function streamedUpload(
  store: ObjectStore,
  bytes: number,
): Promise<{ seconds: number; rssMb: number; heapMb: number }> {
  const chunk = Buffer.alloc(MiB, 0x33);
  globalThis.gc?.();
  const base = process.memoryUsage();
  let rss = 0;
  let heap = 0;
  const sample = () => {
    const now = process.memoryUsage();
    rss = Math.max(rss, now.rss - base.rss);
    heap = Math.max(heap, now.heapUsed + now.arrayBuffers - base.heapUsed - base.arrayBuffers);
  };
  const timer = setInterval(sample, 50);
  const started = performance.now();
  await store.put(
    `large-${bytes / MiB}mb.bin`,
    Readable.from(
      (function* () {
        for (let sent = 0; sent < bytes; sent += MiB) yield chunk;
      })(),
    ),
  );
  clearInterval(timer);
  sample();
  return { seconds: (performance.now() - started) / 1000, rssMb: rss / MiB, heapMb: heap / MiB };
}

const mb = (objects * objectBytes) / MiB;
const line = (name: string, seconds: number) =>
  console.log(
    `${name.padEnd(34)} ${seconds.toFixed(2).padStart(7)} s  ${(mb / seconds).toFixed(1).padStart(7)} MiB/s  ${(objects / seconds).toFixed(1).padStart(6)} objects/s`,
  );

const server = await startServerProcess();
const client = createS3Client({ endpoint: server.endpoint, credentials: { ...S3RVER_CREDENTIALS } });
const s3 = createS3Store({ client, bucket: 'bench-bucket' });
const dir = await mkdtemp(join(tmpdir(), 'musicgen-store-bench-'));
const local = createLocalStore({ directory: dir });
try {
  console.log(`${objects} objects of ${objectBytes / MiB} MiB, concurrency ${concurrency}`);
  line('s3 (s3rver, separate process)', await putMany(s3, 'many'));
  line('local directory', await putMany(local, 'many'));

  console.log(`\nstreamed upload to s3rver (part 8 MiB, queue 4): peak growth above the start of the upload`);
  for (const bytes of [50 * MiB, largeBytes]) {
    const r = await streamedUpload(s3, bytes);
    console.log(
      `${String(bytes / MiB).padStart(4)} MiB  ${r.seconds.toFixed(2).padStart(6)} s  ${(bytes / MiB / r.seconds).toFixed(1).padStart(6)} MiB/s  rss +${r.rssMb.toFixed(0)} MiB  heap+buffers +${r.heapMb.toFixed(0)} MiB`,
    );
  }
} finally {
  client.destroy();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
