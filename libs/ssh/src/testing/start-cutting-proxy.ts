import { connect, createServer, type Socket } from 'node:net';

/** A TCP proxy in front of a server that can cut its connections on purpose. */
export interface CuttingProxy {
  readonly port: number;
  /** Cuts every open connection once this many more bytes have gone from client to server. */
  cutAfterClientBytes(bytes: number): void;
  /** Resolves when a cut happened. */
  readonly cut: Promise<void>;
  /** Cuts every open connection now. */
  cutNow(): void;
  close(): Promise<void>;
}

/**
 * Starts a TCP proxy on 127.0.0.1 that forwards to `targetPort`, for cutting connections mid-transfer
 * in tests (the server stays up; the client sees a reset connection).
 *
 * @example
 * ```ts
 * const proxy = await startCuttingProxy(sshd.port);
 * proxy.cutAfterClientBytes(200_000);
 * ```
 */
export async function startCuttingProxy(targetPort: number): Promise<CuttingProxy> {
  const sockets = new Set<Socket>();
  let budget = Number.POSITIVE_INFINITY;
  let signalCut: () => void = () => undefined;
  const cut = new Promise<void>((resolve) => (signalCut = resolve));
  const cutNow = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    signalCut();
  };
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (chunk: Buffer) => {
      budget -= chunk.length;
      if (budget <= 0) {
        budget = Number.POSITIVE_INFINITY;
        cutNow();
        return;
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    cut,
    cutAfterClientBytes: (bytes) => {
      budget = bytes;
    },
    cutNow,
    close: () =>
      new Promise((resolve) => {
        cutNow();
        server.close(() => resolve());
      }),
  };
}
