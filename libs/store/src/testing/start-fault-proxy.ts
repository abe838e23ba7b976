import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A response the proxy sends instead of forwarding: an HTTP status and an S3 error code. */
export interface InjectedFault {
  status: number;
  /** S3 error code for the XML body, e.g. `SlowDown`. Default: `InternalError`. */
  code?: string;
  /** Extra response headers, e.g. `{ 'x-amz-bucket-region': 'eu-west-1' }`. */
  headers?: Record<string, string>;
}

/** One request the proxy saw, in order: what it did with it. */
export interface ProxiedRequest {
  method: string;
  path: string;
  /** The injected status, or `'forwarded'`. */
  outcome: number | 'forwarded';
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** Where requests are forwarded, e.g. s3rver's endpoint. */
  target: string;
  /**
   * Faults to inject, in order, one per matching request; once used up, requests are forwarded.
   * Default: none.
   */
  faults?: InjectedFault[];
  /** Which requests the faults apply to. Default: all. */
  match?: (method: string, path: string) => boolean;
}

/** A running fault proxy. */
export interface FaultProxy {
  endpoint: string;
  /** Every request received so far. */
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

/**
 * A tiny HTTP proxy on 127.0.0.1 (free port) in front of an S3 protocol server that answers the first
 * matching requests with injected errors (503, `SlowDown`, redirects) and forwards everything else.
 *
 * @example
 * ```ts
 * const proxy = await startFaultProxy({ target: s3.endpoint, faults: [{ status: 503, code: 'SlowDown' }] });
 * const client = createS3Client({ endpoint: proxy.endpoint, credentials: S3RVER_CREDENTIALS });
 * ```
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const faults = [...(options.faults ?? [])];
  const match = options.match ?? (() => true);
  const requests: ProxiedRequest[] = [];

  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const fault = match(method, path) ? faults.shift() : undefined;
    if (fault) {
      requests.push({ method, path, outcome: fault.status });
      drain(req).then(() => {
        const body =
          method === 'HEAD'
            ? ''
            : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${fault.code ?? 'InternalError'}</Code>` +
              `<Message>Injected by the test proxy</Message></Error>`;
        res.writeHead(fault.status, { 'content-type': 'application/xml', ...fault.headers });
        res.end(body);
      });
      return;
    }
    requests.push({ method, path, outcome: 'forwarded' });
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method, path, headers: req.headers },
      (response) => {
        res.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    req.on('end', resolve);
    req.on('error', () => resolve());
    req.resume();
  });
}
