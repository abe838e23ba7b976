import { createServer, type Socket } from 'node:net';
import type { SshConnection } from './connect-ssh.js';

/** Options of {@link openLocalForward}. */
export interface LocalForwardOptions {
  /** Where the forward goes, as seen from the pod. Default host: `127.0.0.1`. */
  readonly remoteHost?: string;
  readonly remotePort: number;
  /** Local address to listen on. Default: `127.0.0.1` (never expose a forward to the network). */
  readonly localHost?: string;
  /** Local port. Default: 0 (a free port). */
  readonly localPort?: number;
}

/** A listening local forward. */
export interface LocalForward {
  /** `127.0.0.1:PORT`: connect here to reach the remote port. */
  readonly address: string;
  readonly port: number;
  /** Stops listening and closes the forwarded streams (the SSH connection stays open). */
  close(): Promise<void>;
}

/**
 * Listens on a local port and forwards every connection through the SSH connection to a port on the
 * pod (what `ssh -L` does), so local tools reach Triton's loopback-only ports.
 *
 * @example
 * ```ts
 * const forward = await openLocalForward(connection, { remotePort: 8001 });
 * // gRPC to forward.address reaches the pod's 127.0.0.1:8001
 * await forward.close();
 * ```
 */
export async function openLocalForward(
  connection: SshConnection,
  options: LocalForwardOptions,
): Promise<LocalForward> {
  const { remoteHost = '127.0.0.1', remotePort, localHost = '127.0.0.1', localPort = 0 } = options;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.pause();
    connection.forwardOut(remoteHost, remotePort).then(
      (channel) => {
        socket.pipe(channel).pipe(socket);
        socket.resume();
        const end = () => {
          socket.destroy();
          channel.close();
        };
        channel.once('close', end);
        socket.once('close', end);
        socket.once('error', end);
        channel.once('error', end);
      },
      () => socket.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(localPort, localHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : localPort;
  return {
    address: `${localHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
