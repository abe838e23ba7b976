import { resolve } from 'node:path';
import { EXIT, runProgram, UsageError, type ParsedBy } from '@musicgen/cli';
import { openLocalForward, SshError, sleep } from '@musicgen/ssh';
import { openStore, resolveOutLocation, type ObjectStore } from '@musicgen/store';
import { formatGpuSample, readGpus } from '../gpu/gpu-query.js';
import { followLogs } from '../logs/follow-logs.js';
import { fetchPodMetrics } from '../metrics/fetch-metrics.js';
import { formatMetricsSummary, summariseMetrics } from '../metrics/metrics-summary.js';
import { parsePrometheusText } from '../metrics/prometheus-text.js';
import { metricsFromUrl } from '../page/gpu-panel.js';
import { podMetrics } from '../page/pod-metrics.js';
import { startPageServer } from '../page/page-server.js';
import { defaultPageCache } from '../page/track-media.js';
import { resolveMonitorTargets, type MonitorIo, type MonitorTarget } from '../monitor-io.js';
import { formatSystemSnapshot, readSystemSnapshot } from '../system/system-snapshot.js';
import { MONITOR_PROGRAM } from './monitor-program.js';

/** Where the CLI reads and writes; injectable for tests. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly baseDir: string;
  readonly signal?: AbortSignal;
}

const CONFIG_CODES = new Set(['SSH_CONFIG', 'HOST_KEY_MISMATCH', 'HOST_KEY_UNKNOWN', 'AUTH_FAILED']);

type MonitorCommand = ParsedBy<typeof MONITOR_PROGRAM>;

async function withConnection<T>(
  target: MonitorTarget,
  work: (c: Awaited<ReturnType<MonitorTarget['connect']>>) => Promise<T>,
): Promise<T> {
  const connection = await target.connect();
  try {
    return await work(connection);
  } finally {
    connection.close();
  }
}

/** `page`: serves the listening page until Ctrl-C. */
async function servePage(options: Extract<MonitorCommand, { command: 'page' }>['options'], io: MonitorIo) {
  if (options.viaSsh && options.metrics !== undefined) {
    throw new UsageError(
      "Cannot use --metrics with --via-ssh: --via-ssh reads the pod's metrics over SSH; give one of them (TRITON_METRICS_URL counts as --metrics)",
    );
  }
  // Settings first, so that a bad RUNPOD_HOST is refused before the store is read.
  const pod = options.viaSsh
    ? resolveMonitorTargets(io, options.host, options.acceptNewHostKey)[0]
    : undefined;
  const location = resolveOutLocation(options.out, io);
  let store: ObjectStore;
  let runs: number;
  try {
    store = await openStore(location, { env: io.env });
    runs = (await store.list('reports/')).filter((o) => /\.json$/.test(o.key)).length;
  } catch (error) {
    throw new UsageError(`Cannot show the runs in ${location}: ${(error as Error).message}`);
  }
  const cacheDir =
    options.cacheDir === undefined ? defaultPageCache(io.env) : resolve(io.baseDir, options.cacheDir);
  const podSource = pod ? podMetrics(pod) : undefined;
  const metrics = podSource?.read ?? (options.metrics ? metricsFromUrl(options.metrics) : undefined);
  let server;
  try {
    server = await startPageServer({ store, cacheDir, port: options.port, ...(metrics ? { metrics } : {}) });
  } catch (error) {
    podSource?.close();
    throw new UsageError((error as Error).message);
  }
  io.say(
    `The runs in ${store.location}${runs === 0 ? ' (none yet)' : ''} are on ${server.url}: open it in a browser; Ctrl-C stops`,
  );
  if (pod) io.say(`GPU panel: Triton's metrics on ${pod.host.host}:${pod.host.port}, over SSH`);
  io.out(`${server.url}\n`);
  await new Promise<void>((resolve) => {
    if (io.signal?.aborted) resolve();
    io.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
  podSource?.close();
  return EXIT.OK;
}

/** `[host:port] ` before each line of a pod's output when several pods are watched. */
function podPrefix(target: MonitorTarget): string {
  return `[${target.host.host}:${target.host.port}] `;
}

function prefixLines(text: string, prefix: string): string {
  return text.replace(/^(?=.)/gm, prefix);
}

async function execute(request: MonitorCommand, io: MonitorIo): Promise<number> {
  if (request.command === 'page') return servePage(request.options, io);
  const { options } = request;
  // Without --host, every pod of RUNPOD_HOST (a tunnel goes to the first: --via-ssh opens one to each).
  const targets = resolveMonitorTargets(io, options.host, options.acceptNewHostKey);
  const target = targets[0] as MonitorTarget;
  const several = targets.length > 1;
  switch (request.command) {
    case 'logs': {
      const { options } = request;
      // Several pods: each line prefixed with its pod; a run split over n pods is NAME-iofn on pod i.
      await Promise.all(
        targets.map((t, i) =>
          followLogs(several ? { ...io, out: (text) => io.out(podPrefix(t) + text) } : io, t, {
            ...options,
            run:
              several && options.run !== undefined
                ? `${options.run}-${i + 1}of${targets.length}`
                : options.run,
          }),
        ),
      );
      return EXIT.OK;
    }
    case 'system': {
      const { options } = request;
      const snapshots = await Promise.all(
        targets.map((t) => withConnection(t, (c) => readSystemSnapshot(c, t.pod.volume))),
      );
      if (options.json) {
        io.out(JSON.stringify(several ? snapshots : snapshots[0], null, 2) + '\n');
        return EXIT.OK;
      }
      const blocks = targets.map((t, i) =>
        formatSystemSnapshot(
          snapshots[i] as Awaited<ReturnType<typeof readSystemSnapshot>>,
          `${t.ssh.user}@${t.host.host}:${t.host.port}`,
        ),
      );
      io.out(blocks.join(several ? '\n' : ''));
      return EXIT.OK;
    }
    case 'gpu': {
      const { options } = request;
      const connections = await Promise.all(targets.map((t) => t.connect()));
      try {
        let drawn = 0;
        for (;;) {
          const samples = await Promise.all(connections.map((c) => readGpus(c)));
          if (options.json) {
            const rows = several
              ? samples.map((gpus, i) => ({ pod: podName(targets[i]), gpus }))
              : samples[0];
            io.out(JSON.stringify(rows) + '\n');
          } else {
            const lines = samples.flatMap((gpus, i) =>
              gpus.map((g) => (several ? podPrefix(targets[i] as MonitorTarget) : '') + formatGpuSample(g)),
            );
            const text = lines.join('\n') + '\n';
            // A live view redraws in place on a terminal; elsewhere every sample is plain lines.
            io.out(options.watch && io.isTty && drawn > 0 ? `\x1b[${drawn}A\x1b[J${text}` : text);
            drawn = lines.length;
          }
          if (!options.watch) return EXIT.OK;
          await sleep(options.interval * 1000, io.signal);
        }
      } finally {
        connections.forEach((c) => c.close());
      }
    }
    case 'metrics': {
      const { options } = request;
      const { interval } = options;
      const connections = await Promise.all(targets.map((t) => t.connect()));
      try {
        const scrape = () =>
          Promise.all(
            connections.map(async (c, i) =>
              parsePrometheusText(await fetchPodMetrics(c, (targets[i] as MonitorTarget).pod.metricsPort)),
            ),
          );
        let before = await scrape();
        for (;;) {
          await sleep(interval * 1000, io.signal);
          const after = await scrape();
          const summaries = after.map((a, i) => summariseMetrics(before[i] as typeof a, a, interval));
          if (options.json) {
            const rows = several
              ? summaries.map((summary, i) => ({ pod: podName(targets[i]), ...summary }))
              : summaries[0];
            io.out(JSON.stringify(rows) + '\n');
          } else {
            io.out(
              summaries
                .map((s, i) =>
                  several
                    ? prefixLines(formatMetricsSummary(s), podPrefix(targets[i] as MonitorTarget))
                    : formatMetricsSummary(s),
                )
                .join(''),
            );
          }
          if (!options.watch) return EXIT.OK;
          before = after;
        }
      } finally {
        connections.forEach((c) => c.close());
      }
    }
    case 'tunnel': {
      const localPort = request.options.localPort ?? target.pod.grpcPort;
      return withConnection(target, async (connection) => {
        const forward = await openLocalForward(connection, { remotePort: target.pod.grpcPort, localPort });
        io.say(
          `Tunnel open: ${forward.address} reaches Triton's gRPC port ${target.pod.grpcPort} on ${connection.where}; Ctrl-C closes it`,
        );
        io.out(`TRITON_URL=${forward.address}\n`);
        await Promise.race([
          connection.closed,
          new Promise<void>((resolve) =>
            io.signal?.addEventListener('abort', () => resolve(), { once: true }),
          ),
        ]);
        await forward.close();
        return io.signal?.aborted ? EXIT.OK : EXIT.FAILED;
      });
    }
  }
}

function podName(target: MonitorTarget | undefined): string {
  return target ? `${target.host.host}:${target.host.port}` : '';
}

/**
 * The whole `musicgen-monitor` command. Resolves with the exit code: 0 done (or Ctrl-C), 1 the
 * connection or a command on the pod failed, 2 usage or configuration error. One line on stderr per
 * error, never a stack.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(['gpu'], { stdout: process.stdout, stderr: process.stderr, env: process.env, baseDir: process.cwd() });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const monitorIo: MonitorIo = {
    env: io.env,
    baseDir: io.baseDir,
    out: (text) => io.stdout.write(text),
    say: (line) => io.stderr.write(line + '\n'),
    isTty: io.stdout.isTTY === true,
    ...(io.signal ? { signal: io.signal } : {}),
  };
  return runProgram(MONITOR_PROGRAM, argv, io, {
    run: async (request) => {
      try {
        return await execute(request, monitorIo);
      } catch (error) {
        // Ctrl-C ends a follow or a live view: a clean end, whatever it interrupted.
        if (io.signal?.aborted) return EXIT.OK;
        throw error;
      }
    },
    isUsageError: (error) => error instanceof SshError && CONFIG_CODES.has(error.code),
  });
}
