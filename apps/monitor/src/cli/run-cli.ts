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
import { startPageServer } from '../page/page-server.js';
import { defaultPageCache } from '../page/track-media.js';
import { resolveMonitorTarget, type MonitorIo, type MonitorTarget } from '../monitor-io.js';
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
  let server;
  try {
    server = await startPageServer({
      store,
      cacheDir,
      port: options.port,
      ...(options.metrics ? { metrics: metricsFromUrl(options.metrics) } : {}),
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  io.say(
    `The runs in ${store.location}${runs === 0 ? ' (none yet)' : ''} are on ${server.url}: open it in a browser; Ctrl-C stops`,
  );
  io.out(`${server.url}\n`);
  await new Promise<void>((resolve) => {
    if (io.signal?.aborted) resolve();
    io.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
  return EXIT.OK;
}

async function execute(request: MonitorCommand, io: MonitorIo): Promise<number> {
  if (request.command === 'page') return servePage(request.options, io);
  const { options } = request;
  const target = resolveMonitorTarget(io, options.host, options.acceptNewHostKey);
  switch (request.command) {
    case 'logs': {
      await followLogs(io, target, request.options);
      return EXIT.OK;
    }
    case 'system': {
      const { options } = request;
      const snapshot = await withConnection(target, (c) => readSystemSnapshot(c, target.pod.volume));
      const where = `${target.ssh.user}@${target.host.host}:${target.host.port}`;
      io.out(options.json ? JSON.stringify(snapshot, null, 2) + '\n' : formatSystemSnapshot(snapshot, where));
      return EXIT.OK;
    }
    case 'gpu': {
      const { options } = request;
      return withConnection(target, async (connection) => {
        let drawn = 0;
        for (;;) {
          const gpus = await readGpus(connection);
          if (options.json) io.out(JSON.stringify(gpus) + '\n');
          else {
            const text = gpus.map(formatGpuSample).join('\n') + '\n';
            // A live view redraws in place on a terminal; elsewhere every sample is plain lines.
            io.out(options.watch && io.isTty && drawn > 0 ? `\x1b[${drawn}A\x1b[J${text}` : text);
            drawn = gpus.length;
          }
          if (!options.watch) return EXIT.OK;
          await sleep(options.interval * 1000, io.signal);
        }
      });
    }
    case 'metrics': {
      const { options } = request;
      const { interval } = options;
      return withConnection(target, async (connection) => {
        let before = parsePrometheusText(await fetchPodMetrics(connection, target.pod.metricsPort));
        for (;;) {
          await sleep(interval * 1000, io.signal);
          const after = parsePrometheusText(await fetchPodMetrics(connection, target.pod.metricsPort));
          const summary = summariseMetrics(before, after, interval);
          io.out(options.json ? JSON.stringify(summary) + '\n' : formatMetricsSummary(summary));
          if (!options.watch) return EXIT.OK;
          before = after;
        }
      });
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
