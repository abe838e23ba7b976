import type { SshConnection } from '@musicgen/ssh';
import { fetchPodMetrics } from '../metrics/fetch-metrics.js';
import type { MonitorTarget } from '../monitor-io.js';
import type { MetricsSource } from './gpu-panel.js';

/** A {@link MetricsSource} that holds an SSH connection, and lets go of it. */
export interface PodMetricsSource {
  readonly read: MetricsSource;
  /** Closes the connection, if one is open. */
  close(): void;
}

/**
 * Triton's metrics read from a pod over SSH for the page's GPU panel (`monitor:page --via-ssh`), as
 * `monitor:metrics` reads them: one connection, opened on the first read and opened again on the read
 * after it closed (a pod restart, a cut). A read that fails while the connection stays up (Triton not
 * running yet) keeps the connection.
 *
 * @example
 * ```ts
 * const metrics = podMetrics(target);
 * const text = await metrics.read();
 * metrics.close();
 * ```
 */
export function podMetrics(target: MonitorTarget): PodMetricsSource {
  let connection: Promise<SshConnection> | undefined;
  let closed = false;
  const open = (): Promise<SshConnection> => {
    const opening = target.connect();
    connection = opening;
    opening.then(
      (c) => {
        if (closed) c.close();
        void c.closed.then(() => {
          if (connection === opening) connection = undefined;
        });
      },
      () => {
        if (connection === opening) connection = undefined;
      },
    );
    return opening;
  };
  return {
    read: async () => {
      if (closed) throw new Error("Cannot read Triton's metrics as the page is closing");
      return fetchPodMetrics(await (connection ?? open()), target.pod.metricsPort);
    },
    close: () => {
      closed = true;
      void connection?.then(
        (c) => c.close(),
        () => undefined,
      );
      connection = undefined;
    },
  };
}
