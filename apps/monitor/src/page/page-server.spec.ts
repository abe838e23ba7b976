import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalStore, createS3Store, type ObjectStore } from '@musicgen/store';
import { startS3rver, type RunningS3rver } from '@musicgen/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillPageStore, PAGE_STORE, sineWav } from '../testing/page-store.js';
import { startPageServer, type PageServer } from './page-server.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A raw HTTP request (no URL normalisation, so `..` reaches the server as sent). */
function get(
  server: PageServer,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, method, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const WAV = Buffer.from(sineWav(1, 440));
let work: string;
let s3: RunningS3rver;
const servers: Record<string, PageServer> = {};
const stores: Record<string, ObjectStore> = {};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'musicgen-page-'));
  s3 = await startS3rver({ buckets: ['page-renders'] });
  stores['local'] = createLocalStore({ directory: join(work, 'out') });
  stores['s3'] = createS3Store({ client: s3.client, bucket: 'page-renders', prefix: 'runs/' });
  for (const [name, store] of Object.entries(stores)) {
    await fillPageStore(store);
    servers[name] = await startPageServer({ store, cacheDir: join(work, `cache-${name}`), port: 0 });
  }
}, 60_000);
afterAll(async () => {
  for (const server of Object.values(servers)) await server.close();
  await s3?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe.each(['local', 's3'])('audio from the %s store', (name) => {
  const server = () => servers[name] as PageServer;
  const size = WAV.length;

  it('sends the whole WAV, saying it takes byte ranges', async () => {
    const answer = await get(server(), `/audio/${PAGE_STORE.calm}`);
    expect({
      status: answer.status,
      type: answer.headers['content-type'],
      ranges: answer.headers['accept-ranges'],
      length: answer.headers['content-length'],
    }).toEqual({
      status: 200,
      type: 'audio/wav',
      ranges: 'bytes',
      length: String(size),
    });
    expect(answer.body.equals(WAV)).toBe(true);
  });

  it.each([
    ['the first bytes', 'bytes=0-43', 0, 43],
    ['the middle', 'bytes=30000-30999', 30000, 30999],
    ['from a byte to the end', `bytes=${size - 10}-`, size - 10, size - 1],
    ['a suffix', 'bytes=-100', size - 100, size - 1],
    ['an end past the last byte', `bytes=64000-99999999`, 64000, size - 1],
  ])('sends %s (%s) as 206 with Content-Range', async (_what, range, start, end) => {
    const answer = await get(server(), `/audio/${PAGE_STORE.calm}`, { Range: range });
    expect({
      status: answer.status,
      range: answer.headers['content-range'],
      length: answer.headers['content-length'],
    }).toEqual({
      status: 206,
      range: `bytes ${start}-${end}/${size}`,
      length: String(end - start + 1),
    });
    expect(answer.body.equals(WAV.subarray(start, end + 1))).toBe(true);
  });

  it.each([`bytes=${WAV.length}-`, 'bytes=9-3', 'bytes=-0', 'bytes=x-1'])(
    'answers 416 to %s',
    async (range) => {
      const answer = await get(server(), `/audio/${PAGE_STORE.calm}`, { Range: range });
      expect([answer.status, answer.headers['content-range'], answer.body.toString()]).toEqual([
        416,
        `bytes */${size}`,
        `Refused: the range ${range} is not within the ${size} bytes of ${PAGE_STORE.calm}\n`,
      ]);
    },
  );

  it('answers HEAD with the headers alone', async () => {
    const answer = await get(server(), `/audio/${PAGE_STORE.calm}`, { Range: 'bytes=0-9' }, 'HEAD');
    expect([answer.status, answer.headers['content-range'], answer.body.length]).toEqual([
      206,
      `bytes 0-9/${size}`,
      0,
    ]);
  });

  it('answers 404 with a clear message for a WAV that is not there', async () => {
    const answer = await get(server(), '/audio/gone_00000000.wav');
    expect([answer.status, answer.body.toString()]).toEqual([
      404,
      `No WAV under gone_00000000.wav in ${(stores[name] as ObjectStore).location}: it may have been deleted, or --out names another store\n`,
    ]);
  });
});

describe('addresses that try to leave the store', () => {
  const server = () => servers['local'] as PageServer;

  it.each([
    [
      '/audio/../../etc/passwd',
      'Refused: Cannot use object key: it has a ".." path segment: got "../../etc/passwd"',
    ],
    [
      '/audio/..%2F..%2Fsecret.wav',
      'Refused: Cannot use object key: it has a ".." path segment: got "../../secret.wav"',
    ],
    [
      '/audio/%2e%2e/secret.wav',
      'Refused: Cannot use object key: it has a ".." path segment: got "../secret.wav"',
    ],
    [
      '/audio/%2Fetc%2Fx.wav',
      'Refused: Cannot use object key: it must be relative (no leading "/"): got "/etc/x.wav"',
    ],
    [
      '/audio/..%5Csecret.wav',
      'Refused: Cannot use object key: it contains a backslash: got "..\\\\secret.wav"',
    ],
    [
      '/spectrogram/a/../../b.wav',
      'Refused: Cannot use object key: it has a ".." path segment: got "a/../../b.wav"',
    ],
    ['/audio/%E0%A4%A', 'Refused: "%E0%A4%A" is not valid percent-encoding'],
  ])('%s is refused (400)', async (path, message) => {
    const answer = await get(server(), path);
    expect([answer.status, answer.body.toString()]).toEqual([400, message + '\n']);
  });

  it.each([
    [
      '/audio/reports/20261201T100000Z-run2.json',
      'Refused: only WAV files are served here, not reports/20261201T100000Z-run2.json',
    ],
    ['/web/../package.json', 'No page file "../package.json"'],
    ['/web/%2e%2e%2fpackage.json', 'No page file "%2e%2e%2fpackage.json"'],
  ])('%s is not served (404)', async (path, message) => {
    const answer = await get(server(), path);
    expect([answer.status, answer.body.toString()]).toEqual([404, message + '\n']);
  });
});

describe('where the page listens', () => {
  it('listens on 127.0.0.1 only: other interfaces of this machine refuse the connection', async () => {
    const server = servers['local'] as PageServer;
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === 'IPv4')
      .map((a) => a?.address as string);
    for (const address of ['::1', ...others]) {
      const outcome = await new Promise<string>((resolve) => {
        const socket = connect({ host: address, port: server.port });
        socket.on('connect', () => (socket.destroy(), resolve('connected')));
        socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
      expect([address, outcome]).toEqual([
        address,
        expect.stringMatching(/^(ECONNREFUSED|EADDRNOTAVAIL|ENETUNREACH)$/),
      ]);
    }
  });

  it('refuses a request for another host name (DNS rebinding)', async () => {
    const server = servers['local'] as PageServer;
    const answer = await get(server, '/api/runs', { Host: `evil.example:${server.port}` });
    expect([answer.status, answer.body.toString()]).toEqual([
      403,
      `Refused: this page answers only to 127.0.0.1:${server.port}, not to host "evil.example:${server.port}"\n`,
    ]);
  });

  it('says so when the port is taken', async () => {
    const taken = (servers['local'] as PageServer).port;
    await expect(
      startPageServer({ store: stores['local'] as ObjectStore, cacheDir: work, port: taken }),
    ).rejects.toThrow(
      new Error(
        `Cannot start the page as port ${taken} on 127.0.0.1 is taken: choose another with --port (0 picks a free one)`,
      ),
    );
  });
});

describe('drawings', () => {
  it('renders the spectrogram and the waveform once, into the local cache, never into the store', async () => {
    const server = servers['s3'] as PageServer;
    const before = (await (stores['s3'] as ObjectStore).list()).map((o) => o.key);
    const png = await get(server, `/spectrogram/${PAGE_STORE.calm}`);
    expect([png.status, png.headers['content-type'], png.body.subarray(1, 4).toString()]).toEqual([
      200,
      'image/png',
      'PNG',
    ]);
    // 800 x 120 pixels (IHDR width and height)
    expect([png.body.readUInt32BE(16), png.body.readUInt32BE(20)]).toEqual([800, 120]);
    const wave = await get(server, `/waveform/${PAGE_STORE.calm}`);
    const peaks = JSON.parse(wave.body.toString());
    expect([
      peaks.seconds,
      peaks.sampleRate,
      peaks.columns,
      peaks.min.length,
      Math.max(...peaks.max),
    ]).toEqual([1, 32000, 800, 800, 0.5]);
    expect(
      (await readdir(join(work, 'cache-s3'))).sort().map((f) => f.replace(/^[0-9a-f]{32}/, 'H')),
    ).toEqual(['H.json', 'H.png']);
    expect((await (stores['s3'] as ObjectStore).list()).map((o) => o.key)).toEqual(before);
    expect((await get(server, `/spectrogram/${PAGE_STORE.calm}`)).body.equals(png.body)).toBe(true);
  });

  it('answers 404 for a drawing of a WAV that is not there', async () => {
    const answer = await get(servers['local'] as PageServer, '/waveform/gone_00000000.wav');
    expect([answer.status, answer.body.toString()]).toEqual([
      404,
      `No WAV under gone_00000000.wav in ${(stores['local'] as ObjectStore).location}\n`,
    ]);
  });
});
