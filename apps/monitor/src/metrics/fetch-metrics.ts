import { request } from 'node:http';
import type { Duplex } from 'node:stream';
import type { SshConnection } from '@musicgen/ssh';

/**
 * GETs `http://127.0.0.1:PORT/metrics` as seen from the pod, through an SSH `direct-tcpip` channel
 * (Triton's metrics port listens on the pod's loopback only), and returns the body.
 *
 * @example
 * ```ts
 * const text = await fetchPodMetrics(connection, 8002);
 * ```
 *
 * @throws {Error} one line when the port does not answer or answers with an error status.
 */
export async function fetchPodMetrics(connection: SshConnection, port: number): Promise<string> {
  const channel = await connection.forwardOut('127.0.0.1', port).catch((error: unknown) => {
    throw new Error(
      `Cannot read Triton's metrics on ${connection.where} as nothing answers on its 127.0.0.1:${port} (is Triton running? deploy:pod starts it; TRITON_METRICS_PORT sets the port)`,
      { cause: error },
    );
  });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/metrics',
        createConnection: () => channel as unknown as Duplex as never,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(body)
            : reject(
                new Error(
                  `Cannot read Triton's metrics on ${connection.where} as 127.0.0.1:${port}/metrics answered ${res.statusCode}`,
                ),
              ),
        );
      },
    );
    req.on('error', (error) =>
      reject(
        new Error(
          `Cannot read Triton's metrics on ${connection.where} from 127.0.0.1:${port}: ${error.message} (is Triton running? deploy:pod starts it)`,
        ),
      ),
    );
    req.end();
  });
}
