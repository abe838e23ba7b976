import { CommanderError } from 'commander';
import { openLocalForward, SshError, sleep } from '@musicgen/ssh';
import { formatGpuSample, readGpus } from '../gpu/gpu-query.js';
import { parseSince } from '../logs/line-time.js';
import { followLogs } from '../logs/follow-logs.js';
import { fetchPodMetrics } from '../metrics/fetch-metrics.js';
import { formatMetricsSummary, summariseMetrics } from '../metrics/metrics-summary.js';
import { parsePrometheusText } from '../metrics/prometheus-text.js';
import { UsageError } from '../monitor-error.js';
import { resolveMonitorTarget, type MonitorIo, type MonitorTarget } from '../monitor-io.js';
import { formatSystemSnapshot, readSystemSnapshot } from '../system/system-snapshot.js';
import { buildProgram, PROGRAM_NAME } from './build-program.js';
import type { MonitorOptions } from './flags.js';

/** Exit codes of the CLI. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

/** Where the CLI reads and writes; injectable for tests. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly baseDir: string;
  readonly signal?: AbortSignal;
}

const CONFIG_CODES = new Set(['SSH_CONFIG', 'HOST_KEY_MISMATCH', 'HOST_KEY_UNKNOWN', 'AUTH_FAILED', 'USAGE']);

function wholeNumber(flag: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(n >= min))
    throw new UsageError(`Cannot use ${flag} as it must be a number >= ${min}: current value is "${value}"`);
  return n;
}

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

async function execute(command: string, options: MonitorOptions, io: MonitorIo): Promise<number> {
  const target = resolveMonitorTarget(io, options.host, options.acceptNewHostKey ?? false);
  switch (command) {
    case 'logs': {
      const lines = wholeNumber('--lines', options.lines, 20, 0);
      const since = options.since === undefined ? undefined : parseSince(options.since, new Date());
      await followLogs(io, target, { run: options.run, since, grep: options.grep, lines });
      return EXIT.OK;
    }
    case 'system': {
      const snapshot = await withConnection(target, (c) => readSystemSnapshot(c, target.pod.volume));
      const where = `${target.ssh.user}@${target.host.host}:${target.host.port}`;
      io.out(options.json ? JSON.stringify(snapshot, null, 2) + '\n' : formatSystemSnapshot(snapshot, where));
      return EXIT.OK;
    }
    case 'gpu': {
      const interval = wholeNumber('--interval', options.interval, 2, 0.5);
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
          await sleep(interval * 1000, io.signal);
        }
      });
    }
    case 'metrics': {
      const interval = wholeNumber('--interval', options.interval, 5, 0.5);
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
      const localPort = wholeNumber('--local-port', options.localPort, target.pod.grpcPort, 0);
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
  return EXIT.USAGE;
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
  const say = (line: string) => io.stderr.write(line + '\n');
  const { program, parsed } = buildProgram((text) => io.stdout.write(text));
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return EXIT.OK;
      say(`${PROGRAM_NAME}: ${error.message.replace(/^error: /, '')} (see ${PROGRAM_NAME} --help)`);
      return EXIT.USAGE;
    }
    throw error;
  }
  const request = parsed();
  if (request === undefined) {
    io.stdout.write(program.helpInformation());
    return EXIT.USAGE;
  }
  const monitorIo: MonitorIo = {
    env: io.env,
    baseDir: io.baseDir,
    out: (text) => io.stdout.write(text),
    say,
    isTty: io.stdout.isTTY === true,
    ...(io.signal ? { signal: io.signal } : {}),
  };
  try {
    return await execute(request.command, request.options, monitorIo);
  } catch (error) {
    if (io.signal?.aborted) return EXIT.OK;
    if (error instanceof SshError || error instanceof UsageError) {
      say(`${PROGRAM_NAME}: ${error.message}`);
      return CONFIG_CODES.has(error.code) ? EXIT.USAGE : EXIT.FAILED;
    }
    say(`${PROGRAM_NAME}: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.FAILED;
  }
}
