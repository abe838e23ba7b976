import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalStore } from '@musicgen/store';
import { sshdPodEnv, startSshd, type RunningSshd } from '@musicgen/ssh/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { resolveMonitorTargets, type MonitorIo, type MonitorTarget } from '../monitor-io.js';
import { fillPageStore } from '../testing/page-store.js';
import { podMetrics } from './pod-metrics.js';

// Triton's metrics port, as the pod has it: on the pod's loopback, reached over SSH only.
const METRICS = [
  'nv_gpu_utilization{gpu_uuid="GPU-0"} 0.25',
  'nv_gpu_memory_used_bytes{gpu_uuid="GPU-0"} 1073741824',
  'nv_gpu_memory_total_bytes{gpu_uuid="GPU-0"} 4294967296',
  'musicgen_lm_slots_in_use{model="musicgen_lm",version="1"} 3',
  'musicgen_lm_slots{model="musicgen_lm",version="1"} 34',
  'musicgen_lm_waiting_requests{model="musicgen_lm",version="1"} 0',
].join('\n');

let work: string;
let sshd: RunningSshd;
let metrics: Server;
let metricsPort: number;
let scrapes = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'musicgen-pod-metrics-'));
  await fillPageStore(createLocalStore({ directory: join(work, 'output') }));
  sshd = await startSshd();
  metrics = createServer((req, res) => {
    scrapes += 1;
    if (req.url !== '/metrics') res.writeHead(404).end();
    else res.end(`${METRICS}\n`);
  });
  await new Promise<void>((resolve) => metrics.listen(0, '127.0.0.1', resolve));
  metricsPort = (metrics.address() as { port: number }).port;
}, 60_000);
afterAll(async () => {
  await sshd?.stop();
  await new Promise((resolve) => metrics?.close(resolve));
  if (work) await rm(work, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...sshdPodEnv(sshd),
    MUSICGEN_VOLUME: join(work, 'volume'),
    TRITON_METRICS_PORT: String(metricsPort),
    XDG_CACHE_HOME: join(work, 'cache'),
    ...extra,
  };
}

function target(): MonitorTarget {
  const io: MonitorIo = {
    env: env(),
    baseDir: work,
    out: () => undefined,
    say: () => undefined,
    isTty: false,
  };
  return resolveMonitorTargets(io, undefined, false)[0] as MonitorTarget;
}

describe('podMetrics: the GPU panel over SSH', () => {
  it('reads the pod-local metrics port over SSH, keeps the connection, and connects again after a cut', async () => {
    const source = podMetrics(target());
    try {
      expect(await source.read()).toBe(`${METRICS}\n`);
      expect(await source.read()).toBe(`${METRICS}\n`);
      await sshd.restart(); // every session cut
      // The read that finds the connection gone fails; the one after it connects again.
      let text: string | undefined;
      for (let attempt = 0; attempt < 20 && text === undefined; attempt += 1) {
        text = await source.read().catch(async () => {
          await new Promise((resolve) => setTimeout(resolve, 100));
          return undefined;
        });
      }
      expect(text).toBe(`${METRICS}\n`);
    } finally {
      source.close();
    }
    await expect(source.read()).rejects.toThrow("Cannot read Triton's metrics as the page is closing");
  }, 60_000);

  it('says when nothing listens on the metrics port, and keeps working once it does', async () => {
    const source = podMetrics({ ...target(), pod: { ...target().pod, metricsPort: 1 } });
    try {
      await expect(source.read()).rejects.toThrow(
        `Cannot read Triton's metrics on 127.0.0.1:${sshd.port} as nothing answers on its 127.0.0.1:1 (is Triton running? deploy:pod starts it; TRITON_METRICS_PORT sets the port)`,
      );
    } finally {
      source.close();
    }
  }, 30_000);

  it('monitor:page --via-ssh feeds the page GPU panel from the pod', async () => {
    let stdout = '';
    let stderr = '';
    const controller = new AbortController();
    let panel: Promise<unknown> = Promise.resolve();
    const before = scrapes;
    const code = await runCli(['page', '--via-ssh', '--port=0'], {
      stdout: {
        write: (text: string) => {
          stdout += text;
          panel = firstGpuEvent(`${text.trim()}api/events`).finally(() => controller.abort());
        },
      },
      stderr: { write: (text: string) => (stderr += text) },
      env: env(),
      baseDir: work,
      signal: controller.signal,
    });
    expect(await panel).toEqual({
      reachable: true,
      utilisation: 0.25,
      memoryUsedBytes: 2 ** 30,
      memoryTotalBytes: 4 * 2 ** 30,
      slotsInUse: 3,
      slots: 34,
      waiting: 0,
      audioSecondsPerSecond: null,
    });
    expect(code).toBe(0);
    expect(stderr).toContain(`GPU panel: Triton's metrics on 127.0.0.1:${sshd.port}, over SSH\n`);
    expect(stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\n$/);
    expect(scrapes).toBeGreaterThan(before);
  }, 60_000);

  it('refuses --via-ssh with --metrics (or TRITON_METRICS_URL), and bad pod settings, before serving', async () => {
    const run = async (argv: string[], extra: Record<string, string>) => {
      let stdout = '';
      let stderr = '';
      const code = await runCli(['page', '--port=0', ...argv], {
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: (t: string) => (stderr += t) },
        env: env(extra),
        baseDir: work,
      });
      return { code, stdout, stderr };
    };
    expect(await run(['--via-ssh'], { TRITON_METRICS_URL: 'http://127.0.0.1:8002/metrics' })).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "musicgen-monitor: Cannot use --metrics with --via-ssh: --via-ssh reads the pod's metrics over SSH; give one of them (TRITON_METRICS_URL counts as --metrics)\n",
    });
    const noHost = await run(['--via-ssh'], { RUNPOD_HOST: '' });
    expect(noHost.code).toBe(2);
    expect(noHost.stdout).toBe('');
    expect(noHost.stderr).toMatch(/^musicgen-monitor: .*RUNPOD_HOST.*\n$/);
  });
});

/** The first `gpu` event of the page's event stream at `url`. */
function firstGpuEvent(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        const match = /event: gpu\ndata: (.*)\n\n/.exec(buffer);
        if (match?.[1] !== undefined) {
          resolve(JSON.parse(match[1]));
          req.destroy();
        }
      });
    });
    req.on('error', reject);
    req.setTimeout(20_000, () => req.destroy(new Error('no gpu event within 20 s')));
    req.end();
  });
}
