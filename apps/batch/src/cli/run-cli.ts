import { randomBytes } from 'node:crypto';
import { EXIT, runProgram } from '@musicgen/cli';
import { secondsForFrames } from '@musicgen/contract';
import {
  PromptsFileError,
  formatPromptLineError,
  checkPromptsFile,
  readPromptsFile,
  type PromptsParseResult,
} from '@musicgen/prompts';
import { formatRunSummary, leaseOwner, openStore, writeRunReport, type ObjectStore } from '@musicgen/store';
import { connectBackend, type ConnectedBackend } from '../backend/connect-backend.js';
import { openSshTunnels } from '../backend/open-ssh-tunnels.js';
import { resolverFromEnv } from '../backend/resolve-addresses.js';
import { servedModel } from '../backend/served-model.js';
import { planCapacity } from '../backend/capacity-plan.js';
import { startLocalPreview, type LocalPreview } from '../backend/start-local-preview.js';
import { ConfigError } from '../config/config-error.js';
import { resolveConfig, type BatchConfig } from '../config/resolve-config.js';
import { formatDryRunPlan, planDryRun, type DryRunPlan } from '../plan/dry-run-plan.js';
import {
  DEFAULT_THROUGHPUT_TABLE,
  formatGpuPlan,
  planGpus,
  readThroughputTable,
  type GpuPlan,
} from '../plan/gpu-plan.js';
import { prepareJobs } from '../pipeline/prepare-jobs.js';
import { runBatch } from '../pipeline/run-batch.js';
import { checkFreeSpace } from '../pipeline/check-free-space.js';
import { abandonedSpools, Spool } from '../pipeline/spool.js';
import { describeError } from '../pipeline/retryable-error.js';
import { createLogRenderer } from '../progress/log-renderer.js';
import { ProgressFile } from '../progress/progress-file.js';
import { ProgressModel } from '../progress/progress-model.js';
import { createTtyRenderer } from '../progress/tty-renderer.js';
import { buildReport } from '../report/build-report.js';
import { invalidLineErrors } from '../report/invalid-lines.js';
import {
  abortingSignal,
  installShutdownSignals,
  SIGNAL_EXIT_CODES,
  type SignalTarget,
} from '../signals/shutdown-signals.js';
import { BATCH_PROGRAM } from './batch-program.js';

const PROGRAM_NAME = BATCH_PROGRAM.name;

/** Where the CLI reads and writes; injectable for tests. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean; readonly columns?: number };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths are resolved from: where the user typed the command. */
  readonly baseDir: string;
  readonly signals?: SignalTarget;
}

const PREVIEW_NOTICE =
  'Using the preview engine (a synthesiser, not MusicGen): set TRITON_URL or --triton for real MusicGen';

/**
 * The whole command: parse flags, resolve the configuration, read the prompts, check the store and the
 * servers, then print the plan (`--dry-run`) or run the jobs, and report. Resolves with the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, baseDir: process.cwd() });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const say = (line: string) => io.stderr.write(line + '\n');
  return runProgram(BATCH_PROGRAM, argv, io, {
    run: async ({ options }) => {
      const cleanup: (() => Promise<void> | void)[] = [];
      try {
        const config = resolveConfig(options, { env: io.env, baseDir: io.baseDir });
        return await execute(config, io, say, cleanup);
      } finally {
        for (const step of cleanup.reverse()) {
          try {
            await step();
          } catch (error) {
            say(`${PROGRAM_NAME}: while shutting down: ${describeError(error)}`);
          }
        }
      }
    },
    isUsageError: (error) => error instanceof ConfigError || error instanceof PromptsFileError,
    describe: describeError,
  });
}

async function readPrompts(config: BatchConfig, modelId: string): Promise<PromptsParseResult> {
  return readPromptsFile(config.promptsPath, {
    source: config.promptsName,
    defaults: { ...config.generation, modelId },
    ...(config.seed === undefined ? {} : { seed: config.seed }),
  });
}

/** The dry run's plan over 1, 2, 4 and 8 GPUs of the kind asked for (`--gpu`, `--gpu-price`, `--gpu-table`). */
async function planGpusFor(config: BatchConfig, plan: DryRunPlan): Promise<GpuPlan> {
  let table;
  try {
    table = await readThroughputTable(config.gpuPlan.table ?? DEFAULT_THROUGHPUT_TABLE);
  } catch (error) {
    throw new ConfigError(describeError(error));
  }
  const gpu = table.gpus.find((g) => g.gpu.toLowerCase() === config.gpuPlan.gpu.toLowerCase());
  if (!gpu) {
    throw new ConfigError(
      `Cannot plan for --gpu as the throughput table knows ${table.gpus.map((g) => g.gpu).join(', ')}: current value is "${config.gpuPlan.gpu}" (measure it with infra/bench/run_gpu.sh)`,
    );
  }
  const price = config.gpuPlan.pricePerHourUsd ?? gpu.price_per_hour_usd;
  if (price === undefined) {
    throw new ConfigError(
      `Cannot plan the cost on ${gpu.gpu} as the throughput table gives no price for it: give one with --gpu-price`,
    );
  }
  return planGpus({
    jobSeconds: plan.jobs.filter((j) => j.state === 'generate').map((j) => j.seconds),
    gpu,
    pricePerHourUsd: price,
    priceFrom: config.gpuPlan.pricePerHourUsd === undefined ? 'table' : 'flag',
    startupSeconds: table.startup_s,
  });
}

async function execute(
  config: BatchConfig,
  io: CliIo,
  say: (line: string) => void,
  cleanup: (() => Promise<void> | void)[],
): Promise<number> {
  const startedAt = new Date();
  const runId = randomBytes(4).toString('hex');
  await checkPromptsFile(config.promptsPath, { source: config.promptsName });
  let store: ObjectStore;
  try {
    store = await openStore(config.out, { env: io.env });
  } catch (error) {
    throw new ConfigError(describeError(error));
  }
  const check = await store.check();
  if (!check.ok)
    throw new ConfigError(`Cannot use the store ${store.location}: ${check.problems.join('; ')}`);

  let addresses = config.tritonUrls;
  if (config.viaSsh) {
    const tunnels = await openSshTunnels(io.env, io.baseDir);
    cleanup.push(() => tunnels.close());
    say(`Tunnel to Triton through SSH: ${tunnels.addresses.join(', ')}`);
    addresses = tunnels.addresses;
  }
  if (addresses.length === 0) {
    say(PREVIEW_NOTICE);
    let preview: LocalPreview;
    try {
      preview = await startLocalPreview();
    } catch (error) {
      throw new ConfigError(`${describeError(error)}; set TRITON_URL or --triton`);
    }
    cleanup.push(() => preview.close());
    addresses = [preview.address];
  }
  let resolver;
  try {
    resolver = resolverFromEnv(io.env);
  } catch (error) {
    throw new ConfigError(describeError(error));
  }
  // Endpoints joining and leaving a dns:/// name: plain lines before the run, notes in the live display during it.
  let notify = say;
  const connected: ConnectedBackend = await connectBackend(addresses, {
    resolver,
    refreshMs: config.dnsRefreshMs,
    waitMs: config.endpointWaitMs,
    notify: (line) => notify(line),
  });
  cleanup.push(() => connected.close());
  if (connected.preview && (config.tritonUrls.length > 0 || config.viaSsh))
    say(`Note: ${addresses.join(', ')} serves the preview engine (a synthesiser, not MusicGen)`);
  const model = servedModel(config.generation.modelId, connected.endpoints);
  for (const note of model.notes) say(note);
  for (const endpoint of connected.endpoints) {
    if (endpoint.capacitySource === 'fallback' && config.concurrency === undefined) {
      say(
        `Note: Triton at ${endpoint.address} publishes how many requests it runs at once nowhere; ` +
          `keeping ${endpoint.capacity} in flight for it (set --concurrency to use more)`,
      );
    }
  }

  const parsed = await readPrompts(config, model.modelId);
  for (const error of parsed.errors) say(formatPromptLineError(parsed.source, error));
  for (const warning of parsed.warnings) say(`warning: ${formatPromptLineError(parsed.source, warning)}`);
  if (parsed.omittedErrors > 0) say(`... and ${parsed.omittedErrors} more problems in ${parsed.source}`);
  if (config.strict && parsed.errors.length > 0) {
    say(
      `${PROGRAM_NAME}: --strict: ${parsed.errors.length + parsed.omittedErrors} problems in ${parsed.source}; nothing was generated`,
    );
    return EXIT.USAGE;
  }
  const { jobs, duplicates } = prepareJobs(parsed.jobs, config.shard);
  const capacity = planCapacity(connected.live(), config.concurrency, jobs.length);
  const { concurrency } = capacity;
  const invalidLines = new Set(parsed.errors.map((e) => e.line)).size + parsed.omittedErrors;

  if (config.dryRun) {
    const plan = await planDryRun({
      jobs,
      duplicates,
      invalidLines,
      store,
      force: config.force,
      concurrency,
      rendering: { format: config.format, normalize: config.normalize },
    });
    const gpus = await planGpusFor(config, plan);
    if (config.json)
      io.stdout.write(
        JSON.stringify({ location: store.location, concurrency, ...plan, gpus }, null, 2) + '\n',
      );
    else io.stdout.write(formatDryRunPlan(plan, concurrency, formatGpuPlan(gpus)));
    return invalidLines > 0 ? EXIT.FAILED : EXIT.OK;
  }

  const owner = leaseOwner(runId);
  const stale = await store.removeStalePartials?.({
    before: startedAt,
    keep: async (key) => (await store.leases.holder(key, runId)) !== undefined,
  });
  if (stale)
    say(`Removed ${stale} partial file${stale === 1 ? '' : 's'} left by stopped runs in ${store.location}`);
  const space = await checkFreeSpace({
    store,
    jobs,
    force: config.force,
    format: config.format,
    normalize: config.normalize,
  });
  if (space) throw new ConfigError(space);
  if ((await store.leases.mode()) === 'advisory') {
    say(
      `Note: ${store.location} ignores conditional writes (If-None-Match), so job leases are advisory: two runs started at the same moment on it may both make a job`,
    );
  }
  const spool = await Spool.open({ root: config.spoolRoot, location: store.location, owner });
  cleanup.push(() => spool.close());
  for (const abandoned of await abandonedSpools(config.spoolRoot, store.location)) {
    const n = abandoned.entries.length;
    if (n > 0) {
      say(
        `${n} WAV${n === 1 ? '' : 's'} left in the spool by a stopped run (${abandoned.directory}): uploading ${n === 1 ? 'it' : 'them'} first`,
      );
    }
    await spool.adopt(abandoned);
  }

  const controller = new AbortController();
  const uninstall = installShutdownSignals(
    controller,
    (signal) =>
      say(
        `${signal}: stopping: cancelling requests in flight, keeping finished files (again to quit at once)`,
      ),
    io.signals,
  );
  cleanup.push(uninstall);
  for (const warning of capacity.warnings) say(warning);
  const shardNote = config.shard.count > 1 ? ` in shard ${config.shard.index}/${config.shard.count}` : '';
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  say(
    `${count(jobs.length + duplicates.length + invalidLines, 'job')} from ${parsed.source}${shardNote} ` +
      `(${jobs.length} to run, ${count(duplicates.length, 'duplicate line')}, ${count(invalidLines, 'invalid line')}) ` +
      `into ${store.location}, ${concurrency} windows in flight on ${addresses.join(', ')}`,
  );
  const progress = new ProgressModel({
    jobsTotal: jobs.length,
    audioSecondsTotal: secondsForFrames(jobs.reduce((s, j) => s + j.frames, 0)),
    slots: () => connected.load().map((l) => ({ address: l.address, inUse: l.windows, total: l.slots })),
  });
  const renderer = io.stderr.isTTY
    ? createTtyRenderer(progress, io.stderr)
    : createLogRenderer(progress, io.stderr);
  // Beside the report-to-be, rewritten while the run works: what a page follows live.
  const progressFile = new ProgressFile({
    store,
    progress,
    run: { id: runId, startedAt, prompts: parsed.source, preview: connected.preview, model: model.modelId },
    jobs,
    duplicates,
    invalid: invalidLineErrors(parsed.source, parsed.errors),
    onWriteError: (message) => progress.note(message),
  });
  await progressFile.start();
  notify = (line) => progress.note(line);
  // Servers of a dns:/// name come and go: the windows in flight follow their slots (unless --concurrency).
  const watchConcurrency =
    config.concurrency === undefined
      ? (apply: (n: number) => void) =>
          connected.onChange(() =>
            apply(Math.max(1, planCapacity(connected.live(), undefined, jobs.length).concurrency)),
          )
      : undefined;
  let result;
  try {
    result = await runBatch({
      jobs,
      duplicates,
      config,
      concurrency,
      ...(watchConcurrency ? { watchConcurrency } : {}),
      backend: connected.backend,
      ...(model.served ? { served: model.served } : {}),
      store,
      progress,
      signal: controller.signal,
      leaseOwner: owner,
      spool,
      storeWait: { waitMs: config.storeWaitMs },
      qa: config.qa,
    });
  } finally {
    progressFile.stop();
    renderer.stop();
    notify = say;
  }
  const interrupted = abortingSignal(controller.signal);
  const loads = connected.load();
  const report = buildReport({
    id: runId,
    startedAt,
    finishedAt: new Date(),
    location: store.location,
    prompts: parsed.source,
    jobs: result.entries,
    lineErrors: parsed.errors,
    lineWarnings: parsed.warnings,
    omittedErrors: parsed.omittedErrors,
    interrupted,
    preview: connected.preview,
    model: model.modelId,
    servers: connected.endpoints.map(({ address, capacity, capacitySource, facts }, index) => ({
      address,
      capacity,
      capacitySource,
      peakInFlight: loads[index]?.peakWindows ?? 0,
      meanInFlight: Number((loads[index]?.meanWindows ?? 0).toFixed(2)),
      facts: facts ?? null,
    })),
  });
  await progressFile.finish(interrupted ? 'interrupted' : 'finished', report.jobs);
  // Invalid lines were listed, with their positions, before the run started.
  io.stderr.write(formatRunSummary(report, { listInvalid: false }));
  try {
    const { jsonKey } = await writeRunReport(store, report);
    say(`Report: ${jsonKey} in ${store.location}`);
  } catch (error) {
    say(`${PROGRAM_NAME}: Cannot store the run report: ${describeError(error)}`);
  }
  if (config.json) io.stdout.write(JSON.stringify(report, null, 2) + '\n');
  if (interrupted) return SIGNAL_EXIT_CODES[interrupted];
  const { failed, invalid } = report.summary;
  return failed > 0 || invalid > 0 ? EXIT.FAILED : EXIT.OK;
}
