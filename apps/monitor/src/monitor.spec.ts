import { spawn, type ChildProcess } from 'node:child_process';
import { appendFile, chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sshdPodEnv, startSshd, type RunningSshd } from '@musicgen/ssh/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli/run-cli.js';

const fixtures = join(import.meta.dirname, 'testing');
let sshd: RunningSshd;
let sshd2: RunningSshd;
let work: string;
let vol: string;
let fakeBin: string;
let metricsServer: Server;
let metricsPort: number;
let scrapes = 0;
const sleepers: ChildProcess[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'musicgen-monitor-'));
  vol = join(work, 'volume');
  fakeBin = join(work, 'bin');
  await mkdir(join(vol, 'musicgen', 'triton'), { recursive: true });
  await mkdir(join(vol, 'musicgen', 'runs'), { recursive: true });
  await mkdir(fakeBin);
  // A fake nvidia-smi on the pod's PATH: prints output in the format nvidia-smi gives for this query.
  await writeFile(
    join(fakeBin, 'nvidia-smi'),
    `#!/bin/sh\necho "$*" > ${join(work, 'nvidia-smi-args')}\ncat ${join(fixtures, 'nvidia-smi-query.csv')}\n`,
  );
  await chmod(join(fakeBin, 'nvidia-smi'), 0o755);
  sshd = await startSshd({ pathPrefix: [fakeBin] });
  // A second "pod" reached with the same key (sharing the volume directory, as pods on a network volume).
  sshd2 = await startSshd({ pathPrefix: [fakeBin], clientKey: sshd.keyPath });
  const before = await readFile(join(fixtures, 'metrics-before.txt'), 'utf8');
  const after = await readFile(join(fixtures, 'metrics-after.txt'), 'utf8');
  metricsServer = createServer((req, res) => {
    if (req.url !== '/metrics') res.writeHead(404).end();
    else res.end(scrapes++ % 2 === 0 ? before : after);
  });
  await new Promise<void>((resolve) => metricsServer.listen(0, '127.0.0.1', resolve));
  metricsPort = (metricsServer.address() as { port: number }).port;
});
afterAll(async () => {
  for (const s of sleepers) s.kill();
  await sshd?.stop();
  await sshd2?.stop();
  await new Promise((resolve) => metricsServer?.close(resolve));
  if (work) await rm(work, { recursive: true, force: true });
});

/** Both pods in RUNPOD_HOST. */
function twoPods(): Record<string, string> {
  return env({
    RUNPOD_HOST: `127.0.0.1:${sshd.port},127.0.0.1:${sshd2.port}`,
    RUNPOD_SSH_HOST_KEY: `${sshd.hostKeyFingerprint},${sshd2.hostKeyFingerprint}`,
  });
}

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...sshdPodEnv(sshd),
    MUSICGEN_VOLUME: vol,
    TRITON_METRICS_PORT: String(metricsPort),
    ...extra,
  };
}

/** Runs the CLI in-process; `until` (when given) aborts it once stdout satisfies it. */
async function monitor(
  argv: string[],
  options: { env?: Record<string, string>; until?: (stdout: string) => boolean } = {},
) {
  let stdout = '';
  let stderr = '';
  const controller = new AbortController();
  const code = await runCli(argv, {
    stdout: {
      write: (t: string) => {
        stdout += t;
        if (options.until?.(stdout)) controller.abort();
      },
    },
    stderr: { write: (t: string) => (stderr += t) },
    env: options.env ?? env(),
    baseDir: work,
    signal: controller.signal,
  });
  return { code, stdout, stderr };
}

async function makeRun(name: string, lines: string[], exitCode?: number): Promise<string> {
  const dir = join(vol, 'musicgen', 'runs', name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'run.log'), lines.map((l) => l + '\n').join(''));
  if (exitCode !== undefined) await writeFile(join(dir, 'exit-code'), `${exitCode}\n`);
  return dir;
}

describe('monitor:logs', () => {
  it('prints a finished run from its start and ends', async () => {
    const lines = [
      '2026-12-01T09:00:00Z run done: started (pid 1)',
      '2026-12-01T09:00:05Z run done: finished with exit code 0',
    ];
    await makeRun('done', lines, 0);
    expect(await monitor(['logs', '--run', 'done'])).toEqual({
      code: 0,
      stdout: lines.join('\n') + '\n',
      stderr: '',
    });
  });

  it('says so when there is no such run', async () => {
    const result = await monitor(['logs', '--run', 'nope']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^musicgen-monitor: Cannot follow run nope as the pod has no such run: runs there are (\S+, )*done(, \S+)* \(start one with deploy:run\)\n$/,
    );
  });

  it('follows a live run across an sshd restart without repeating or losing a line, until the run ends', async () => {
    const dir = await makeRun('live', ['2026-12-01T09:00:00Z run live: started']);
    const sleeper = spawn('sleep', ['120'], { stdio: 'ignore' });
    sleepers.push(sleeper);
    await writeFile(join(dir, 'pid'), `${sleeper.pid}\n`);
    const expected = ['2026-12-01T09:00:00Z run live: started'];
    const following = monitor(['logs', '--run', 'live']);
    for (let i = 0; i < 30; i++) {
      const line = `2026-12-01T09:00:${String(i + 1).padStart(2, '0')}Z job ${i} ${'.'.repeat(i)}`;
      expected.push(line);
      await appendFile(join(dir, 'run.log'), line + '\n');
      if (i === 10) await sshd.restart();
      await new Promise((r) => setTimeout(r, 30));
    }
    expected.push('2026-12-01T09:01:00Z run live: finished with exit code 0');
    await appendFile(join(dir, 'run.log'), expected.at(-1) + '\n');
    await writeFile(join(dir, 'exit-code'), '0\n');
    sleeper.kill();
    const result = await following;
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(expected.join('\n') + '\n');
    expect(result.stderr).toMatch(
      /^Connection to 127\.0\.0\.1:\d+ lost \(.*\); reconnecting in \d+\.\d s \(attempt 1\)\n/,
    );
  }, 60_000);

  it('follows the Triton log and every run, labelled, filtered by --since and --grep', async () => {
    await writeFile(
      join(vol, 'musicgen', 'triton', 'tritonserver.log'),
      [
        'I1130 23:59:00.000001 1 server.cc:1] old',
        'I1201 09:30:00.500000 1 model.py:9] musicgen_lm ready',
        'W1201 09:31:00.000000 1 x.cc:2] slow step',
        '  continuation of the warning',
      ].join('\n') + '\n',
    );
    await makeRun('filter', [
      '2026-12-01T09:00:00Z an error before',
      '2026-12-01T10:00:00Z an ERROR after',
      '2026-12-01T10:00:01Z fine',
    ]);
    const result = await monitor(
      ['logs', '--since', '2026-12-01T09:30:00Z', '--grep', 'ready|error|slow|continuation'],
      {
        until: (out) => out.includes('ERROR after'),
      },
    );
    expect(result.code).toBe(0);
    expect(
      result.stdout.split('\n').filter((l) => !l.startsWith('[run live]') && !l.startsWith('[run done]')),
    ).toEqual([
      '[triton] I1201 09:30:00.500000 1 model.py:9] musicgen_lm ready',
      '[triton] W1201 09:31:00.000000 1 x.cc:2] slow step',
      '[triton]   continuation of the warning',
      '[run filter] 2026-12-01T10:00:00Z an ERROR after',
      '',
    ]);
  });

  it.each([
    [
      ['logs', '--since', 'yesterday'],
      'Cannot use --since as it must be a duration (30s, 10m, 2h, 1d) or a time (2026-12-01T09:30:00Z): current value is "yesterday"',
    ],
    [
      ['logs', '--grep', '(unclosed'],
      'Cannot use --grep as it is not a valid regular expression (Invalid regular expression: /(unclosed/i: Unterminated group): current value is "(unclosed"',
    ],
    [['logs', '--lines', '-3'], 'Cannot use --lines as it must be an integer >= 0: current value is "-3"'],
    [['gpu', '--interval', '0'], 'Cannot use --interval as it must be a number >= 0.5: current value is "0"'],
  ])('%j is refused in one line', async (argv, message) => {
    expect(await monitor(argv)).toEqual({ code: 2, stdout: '', stderr: `musicgen-monitor: ${message}\n` });
  });
});

describe('several pods in RUNPOD_HOST, side by side', () => {
  it('logs --run NAME follows NAME-iofn on pod i, each line prefixed with its pod', async () => {
    await makeRun(
      'split-1of2',
      [
        '2026-12-01T09:00:00Z run split-1of2: started (pid 1)',
        '2026-12-01T09:00:09Z run split-1of2: finished with exit code 0',
      ],
      0,
    );
    await makeRun(
      'split-2of2',
      [
        '2026-12-01T09:00:01Z run split-2of2: started (pid 2)',
        '2026-12-01T09:00:07Z run split-2of2: finished with exit code 0',
      ],
      0,
    );
    const result = await monitor(['logs', '--run', 'split'], { env: twoPods() });
    expect(result.code).toBe(0);
    const [a, b] = [`[127.0.0.1:${sshd.port}]`, `[127.0.0.1:${sshd2.port}]`];
    expect(result.stdout.split('\n').sort()).toEqual(
      [
        '',
        `${a} 2026-12-01T09:00:00Z run split-1of2: started (pid 1)`,
        `${a} 2026-12-01T09:00:09Z run split-1of2: finished with exit code 0`,
        `${b} 2026-12-01T09:00:01Z run split-2of2: started (pid 2)`,
        `${b} 2026-12-01T09:00:07Z run split-2of2: finished with exit code 0`,
      ].sort(),
    );
  });

  it('system, gpu and metrics: one block or line per pod, in RUNPOD_HOST order', async () => {
    const system = await monitor(['system'], { env: twoPods() });
    expect(system.code).toBe(0);
    expect(system.stdout.split('\n').filter((l) => l.startsWith('pod '))).toEqual([
      expect.stringMatching(new RegExp(`^pod     ${sshd.user}@127\\.0\\.0\\.1:${sshd.port}, up `)),
      expect.stringMatching(new RegExp(`^pod     ${sshd.user}@127\\.0\\.0\\.1:${sshd2.port}, up `)),
    ]);
    const json = JSON.parse((await monitor(['system', '--json'], { env: twoPods() })).stdout);
    expect(json.map((s: { disk: { path: string } }) => s.disk.path)).toEqual([vol, vol]);
    const gpu = await monitor(['gpu'], { env: twoPods() });
    const lines = gpu.stdout.trimEnd().split('\n');
    const single = (await monitor(['gpu'])).stdout.trimEnd().split('\n');
    expect(lines).toEqual([
      ...single.map((l) => `[127.0.0.1:${sshd.port}] ${l}`),
      ...single.map((l) => `[127.0.0.1:${sshd2.port}] ${l}`),
    ]);
    const metrics = await monitor(['metrics', '--interval', '0.5', '--json'], { env: twoPods() });
    expect(JSON.parse(metrics.stdout).map((m: { pod: string }) => m.pod)).toEqual([
      `127.0.0.1:${sshd.port}`,
      `127.0.0.1:${sshd2.port}`,
    ]);
  });
});

describe('monitor:system, gpu, metrics, tunnel', () => {
  it('system: cores, memory and the volume disk of the pod', async () => {
    const result = await monitor(['system', '--json']);
    expect(result.code).toBe(0);
    const snapshot = JSON.parse(result.stdout);
    const memTotal = Number(/MemTotal:\s+(\d+)/.exec(await readFile('/proc/meminfo', 'utf8'))?.[1]) * 1024;
    expect({ cores: snapshot.cores, memoryTotal: snapshot.memoryTotal, path: snapshot.disk.path }).toEqual({
      cores: cpus().length,
      memoryTotal: memTotal,
      path: vol,
    });
    expect(snapshot.disk.size).toBeGreaterThan(snapshot.disk.available);
    const text = await monitor(['system']);
    expect(text.stdout.split('\n').map((l) => l.split(' ')[0])).toEqual(['pod', 'cpu', 'memory', 'disk', '']);
  });

  it('gpu: the nvidia-smi query, one line per GPU, n/a for what a GPU does not report', async () => {
    expect(await monitor(['gpu'])).toEqual({
      code: 0,
      stdout: [
        'gpu 0 NVIDIA L40S: util 97% (memory 61%), 41873/46068 MiB, 67 C, 287.4/350.0 W, clocks 2490/9001 MHz',
        'gpu 1 NVIDIA L40S: util 0% (memory 0%), 1/46068 MiB, 31 C, 33.1/350.0 W, clocks 210/405 MHz',
        'gpu 2 NVIDIA L40S: util n/a (memory n/a), 0/46068 MiB, n/a, n/a/350.0 W, clocks 210/405 MHz',
        '',
      ].join('\n'),
      stderr: '',
    });
    expect(await readFile(join(work, 'nvidia-smi-args'), 'utf8')).toBe(
      '--query-gpu=index,name,utilization.gpu,utilization.memory,memory.used,memory.total,temperature.gpu,power.draw,power.limit,clocks.sm,clocks.mem --format=csv,noheader,nounits\n',
    );
    const json = await monitor(['gpu', '--json']);
    expect(JSON.parse(json.stdout)[0]).toEqual({
      index: 0,
      name: 'NVIDIA L40S',
      utilizationPercent: 97,
      memoryUtilizationPercent: 61,
      memoryUsedMiB: 41873,
      memoryTotalMiB: 46068,
      temperatureC: 67,
      powerDrawW: 287.45,
      powerLimitW: 350,
      smClockMHz: 2490,
      memoryClockMHz: 9001,
    });
    const watched = await monitor(['gpu', '--watch', '--interval', '0.5'], {
      until: (out) => out.split('\n').length > 6,
    });
    expect(
      watched.stdout
        .split('\n')
        .slice(0, 6)
        .map((l) => l.slice(0, 5)),
    ).toEqual(['gpu 0', 'gpu 1', 'gpu 2', 'gpu 0', 'gpu 1', 'gpu 2']);
    await rename(join(fakeBin, 'nvidia-smi'), join(fakeBin, 'nvidia-smi.off'));
    try {
      expect(await monitor(['gpu'])).toEqual({
        code: 1,
        stdout: '',
        stderr: `musicgen-monitor: Cannot query the GPUs of 127.0.0.1:${sshd.port} as nvidia-smi is not on its PATH (no NVIDIA driver: is it a GPU pod?)\n`,
      });
    } finally {
      await rename(join(fakeBin, 'nvidia-smi.off'), join(fakeBin, 'nvidia-smi'));
    }
  });

  it("metrics: Triton's Prometheus text from the pod's loopback port, summarised over an interval", async () => {
    scrapes = 0;
    const result = await monitor(['metrics', '--interval', '0.5', '--json']);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual({
      intervalSeconds: 0.5,
      models: [
        {
          model: 'encodec_decode',
          success: 14,
          failure: 0,
          requestsPerSecond: 8,
          queueMs: 0.2,
          requestMs: 50,
        },
        {
          model: 'musicgen_lm',
          success: 44,
          failure: 1,
          requestsPerSecond: 8,
          queueMs: 0.1,
          requestMs: 5000,
        },
      ],
      own: {
        musicgen_lm_slots_in_use: 16,
        musicgen_lm_slots: 16,
        musicgen_lm_waiting_requests: 0,
        musicgen_lm_requests_completed_total: 44,
        musicgen_lm_requests_failed_total: 1,
        musicgen_lm_frames_generated_total: 125000,
        musicgen_lm_decode_steps_total: 21000,
        musicgen_lm_decode_step_seconds_total: 105.5,
        encodec_decode_requests_completed_total: 14,
        encodec_decode_frames_decoded_total: 115000,
      },
      audioSecondsPerSecond: 1000,
      stepMs: 5.5,
    });
    scrapes = 0;
    const text = await monitor(['metrics', '--interval', '0.5']);
    expect(text.stdout).toBe(
      [
        'encodec_decode: 14 ok, 0 failed, 8.00 req/s over 0.5 s, queue 0.2 ms, request 50.0 ms',
        'musicgen_lm: 44 ok, 1 failed, 8.00 req/s over 0.5 s, queue 0.1 ms, request 5000.0 ms',
        'musicgen_lm slots: 16 of 16 in use, 0 requests waiting for one',
        'audio: 1000.00 s of audio per second, 5.50 ms per decode step',
        '',
      ].join('\n'),
    );
    const closed = await monitor(['metrics'], { env: env({ TRITON_METRICS_PORT: '1' }) });
    expect(closed).toEqual({
      code: 1,
      stdout: '',
      stderr: `musicgen-monitor: Cannot read Triton's metrics on 127.0.0.1:${sshd.port} as nothing answers on its 127.0.0.1:1 (is Triton running? deploy:pod starts it; TRITON_METRICS_PORT sets the port)\n`,
    });
  });

  it("tunnel: a local port that reaches the pod's loopback gRPC port until Ctrl-C", async () => {
    let stdout = '';
    let stderr = '';
    const controller = new AbortController();
    const running = runCli(['tunnel', '--local-port', '0'], {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      env: env({ TRITON_GRPC_PORT: String(metricsPort) }),
      baseDir: work,
      signal: controller.signal,
    });
    while (!stdout.includes('\n')) await new Promise((r) => setTimeout(r, 20));
    const address = /^TRITON_URL=(127\.0\.0\.1:\d+)\n$/.exec(stdout)?.[1];
    expect(address).toBeDefined();
    scrapes = 0;
    expect(await (await fetch(`http://${address}/metrics`)).text()).toBe(
      await readFile(join(fixtures, 'metrics-before.txt'), 'utf8'),
    );
    controller.abort();
    expect(await running).toBe(0);
    expect(stderr).toBe(
      `Tunnel open: ${address} reaches Triton's gRPC port ${metricsPort} on 127.0.0.1:${sshd.port}; Ctrl-C closes it\n`,
    );
  });
});
