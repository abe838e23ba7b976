import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StoreError, validateKey, type ObjectStore } from '@musicgen/store';
import { GpuWatch, type MetricsSource } from './gpu-panel.js';
import { parseRange } from './http-range.js';
import { LiveUpdates } from './live-updates.js';
import { RunLibrary } from './run-library.js';
import { TrackMedia, type DrawingKind } from './track-media.js';

/** The page's own files (HTML, CSS, JavaScript modules), served as they are: no build step. */
export const WEB_ROOT = join(import.meta.dirname, '..', '..', 'web');

/** The only interface the page listens on. */
export const PAGE_HOST = '127.0.0.1';

/** Options of {@link startPageServer}. */
export interface PageServerOptions {
  /** The store whose runs the page shows (opened by the caller, e.g. with `openStore`). */
  readonly store: ObjectStore;
  /** Local folder for drawings (waveforms, spectrograms); never the store. */
  readonly cacheDir: string;
  /** Port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** Triton's Prometheus metrics, for the GPU panel. Default: no panel. */
  readonly metrics?: MetricsSource;
  /** How often the store is read while a page listens for live updates. Default 1000 ms. */
  readonly pollMs?: number;
}

/** A running page server. */
export interface PageServer {
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  readonly port: number;
  /** Ends live streams and stops listening. */
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};
const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'",
  'Referrer-Policy': 'no-referrer',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * Serves the listening page for one store on `127.0.0.1` only (never another interface), and refuses
 * requests whose `Host` is not this address (or `localhost`) on this port, so that other web sites cannot
 * reach it through DNS rebinding. Routes (GET and HEAD):
 *
 * - `/` and `/web/<file>`: the page (plain HTML, CSS and JavaScript modules);
 * - `/api/runs`, `/api/runs/<id>`, `/api/takes?prompt=<text>`: runs, one run with its tracks, every
 *   take of a prompt (JSON);
 * - `/api/events?run=<id>`: live updates (server-sent events, see {@link LiveUpdates});
 * - `/audio/<key>`: a WAV from the store, streamed, with byte ranges (206, 416) so players can seek; S3
 *   objects go through this server (ranged GETs), never public URLs;
 * - `/waveform/<key>`, `/spectrogram/<key>`: drawings of a WAV (JSON, PNG), computed here and cached in
 *   `cacheDir`.
 *
 * Keys are checked like the store checks them (no `..`, no absolute paths, no backslashes) after
 * percent-decoding, and only `.wav` keys are served as audio.
 *
 * @example
 * ```ts
 * const server = await startPageServer({ store: await openStore('./output'), cacheDir, port: 8090 });
 * console.log(server.url); // http://127.0.0.1:8090/
 * ```
 *
 * @throws {Error} `Cannot start the page as port 8090 on 127.0.0.1 is taken: ...` when it is.
 */
export async function startPageServer(options: PageServerOptions): Promise<PageServer> {
  const { store } = options;
  const library = new RunLibrary({ store });
  const media = new TrackMedia({ store, cacheDir: options.cacheDir });
  const live = new LiveUpdates({
    library,
    ...(options.metrics ? { gpu: new GpuWatch(options.metrics) } : {}),
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
  });
  const webFiles = new Set(readdirSync(WEB_ROOT).filter((name) => /^[a-z0-9-]+\.[a-z]+$/.test(name)));
  let port = options.port;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const host = req.headers.host ?? '';
    if (host !== `${PAGE_HOST}:${port}` && host !== `localhost:${port}`) {
      throw new HttpError(
        403,
        `Refused: this page answers only to ${PAGE_HOST}:${port}, not to host ${JSON.stringify(host)}`,
      );
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new HttpError(405, `Refused: only GET and HEAD are served, not ${req.method}`, {
        Allow: 'GET, HEAD',
      });
    }
    const [path = '/', query = ''] = (req.url ?? '/').split('?', 2);
    const params = new URLSearchParams(query);
    if (path === '/' || path === '/index.html') return sendFile(res, req, 'index.html');
    if (path.startsWith('/web/')) {
      const name = path.slice('/web/'.length);
      if (!webFiles.has(name)) throw new HttpError(404, `No page file ${JSON.stringify(name)}`);
      return sendFile(res, req, name);
    }
    if (path === '/api/runs') return sendJson(res, req, await library.list());
    if (path.startsWith('/api/runs/')) {
      const id = decodePart(path.slice('/api/runs/'.length));
      const view = await library.run(id);
      if (!view) throw new HttpError(404, `No run ${id} in ${store.location}`);
      return sendJson(res, req, view);
    }
    if (path === '/api/takes') return sendJson(res, req, await library.takes(params.get('prompt') ?? ''));
    if (path === '/api/events') return live.attach(res, params.get('run') ?? undefined);
    if (path.startsWith('/audio/')) return sendAudio(res, req, wavKey(path.slice('/audio/'.length)));
    for (const kind of ['waveform', 'spectrogram'] as const) {
      if (path.startsWith(`/${kind}/`))
        return sendDrawing(res, req, kind, wavKey(path.slice(kind.length + 2)));
    }
    throw new HttpError(404, `Nothing at ${path}`);
  };

  const sendFile = async (res: ServerResponse, req: IncomingMessage, name: string) => {
    const body = await readFile(join(WEB_ROOT, name));
    send(
      res,
      req,
      200,
      { 'Content-Type': TYPES[extname(name)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' },
      body,
    );
  };

  const sendAudio = async (res: ServerResponse, req: IncomingMessage, key: string) => {
    const info = await store.head(key);
    if (!info) throw missing(key);
    const range = parseRange(req.headers.range, info.bytes);
    const headers = { 'Content-Type': 'audio/wav', 'Accept-Ranges': 'bytes', 'Cache-Control': 'no-cache' };
    if (range.kind === 'unsatisfiable') {
      throw new HttpError(
        416,
        `Refused: the range ${req.headers.range} is not within the ${info.bytes} bytes of ${key}`,
        {
          'Content-Range': `bytes */${info.bytes}`,
        },
      );
    }
    const part = range.kind === 'part' ? { start: range.start, end: range.end } : undefined;
    const length = part ? part.end - part.start + 1 : info.bytes;
    res.writeHead(part ? 206 : 200, {
      ...SECURITY_HEADERS,
      ...headers,
      'Content-Length': String(length),
      ...(part ? { 'Content-Range': `bytes ${part.start}-${part.end}/${info.bytes}` } : {}),
    });
    if (req.method === 'HEAD') return void res.end();
    const object = await store.get(key, part ? { range: part } : {});
    await pipeline(object.body, res).catch(() => res.destroy());
  };

  const sendDrawing = async (res: ServerResponse, req: IncomingMessage, kind: DrawingKind, key: string) => {
    let body: Buffer;
    try {
      body = await media.drawing(key, kind);
    } catch (error) {
      if (error instanceof RangeError) throw new HttpError(422, error.message);
      throw error;
    }
    send(
      res,
      req,
      200,
      { 'Content-Type': kind === 'waveform' ? 'application/json' : 'image/png', 'Cache-Control': 'no-cache' },
      body,
    );
  };

  const missing = (key: string) =>
    new HttpError(
      404,
      `No WAV under ${key} in ${store.location}: it may have been deleted, or --out names another store`,
    );

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      let status = 500;
      let message = `Cannot answer ${req.url}: ${(error as Error).message}`;
      let headers: Record<string, string> = {};
      if (error instanceof HttpError) ({ status, message, headers } = error);
      else if (error instanceof StoreError && error.code === 'NOT_FOUND') {
        status = 404;
        message = error.message;
      }
      if (res.headersSent) return void res.destroy();
      send(
        res,
        req,
        status,
        { ...headers, 'Content-Type': 'text/plain; charset=utf-8' },
        Buffer.from(message + '\n'),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `Cannot start the page as port ${options.port} on ${PAGE_HOST} is taken: choose another with --port (0 picks a free one)`,
            )
          : new Error(`Cannot start the page on ${PAGE_HOST}:${options.port}: ${error.message}`),
      ),
    );
    server.listen(options.port, PAGE_HOST, resolve);
  });
  port = (server.address() as { port: number }).port;
  return {
    url: `http://${PAGE_HOST}:${port}/`,
    port,
    close: async () => {
      live.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  headers: Record<string, string>,
  body: Buffer,
): void {
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'Content-Length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendJson(res: ServerResponse, req: IncomingMessage, value: unknown): void {
  send(
    res,
    req,
    200,
    { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-cache' },
    Buffer.from(JSON.stringify(value)),
  );
}

function decodePart(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new HttpError(400, `Refused: ${JSON.stringify(text)} is not valid percent-encoding`);
  }
}

/** A store key from the rest of an address: percent-decoded, checked like the store checks keys, a WAV. */
function wavKey(encoded: string): string {
  const key = decodePart(encoded);
  try {
    validateKey(key);
  } catch (error) {
    throw new HttpError(400, `Refused: ${(error as Error).message}`);
  }
  if (!key.toLowerCase().endsWith('.wav'))
    throw new HttpError(404, `Refused: only WAV files are served here, not ${key}`);
  return key;
}
