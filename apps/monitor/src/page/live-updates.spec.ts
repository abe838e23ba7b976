import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalStore, type ObjectStore, type RunProgress } from '@musicgen/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NEWER_REPORT, newerProgress, PAGE_STORE, sineWav } from '../testing/page-store.js';
import { metricsFromUrl } from './gpu-panel.js';
import { startPageServer, type PageServer } from './page-server.js';
import type { RunView } from './run-views.js';

interface ServerEvent {
  event: string;
  data: unknown;
}

/** Reads a server-sent event stream; `next` waits for the next event that matches. */
function openEvents(server: PageServer, path: string) {
  const queue: ServerEvent[] = [];
  let wake: (() => void) | undefined;
  let response: IncomingMessage | undefined;
  const req = request({ host: '127.0.0.1', port: server.port, path, agent: false }, (res) => {
    response = res;
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data !== undefined) queue.push({ event, data: JSON.parse(data) });
      }
      wake?.();
    });
  });
  req.end();
  return {
    headers: () => response?.headers,
    async next(
      event: string,
      matches: (data: never) => boolean = () => true,
      timeoutMs = 10_000,
    ): Promise<unknown> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = queue.findIndex((e) => e.event === event && matches(e.data as never));
        if (index >= 0) {
          // The match and the earlier events of its kind are consumed; other kinds stay queued.
          const found = queue[index] as ServerEvent;
          for (let i = index; i >= 0; i--) if (queue[i]?.event === event) queue.splice(i, 1);
          return found.data;
        }
        if (Date.now() > deadline) throw new Error(`no ${event} event within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
    },
    close: () => req.destroy(),
  };
}

let work: string;
let store: ObjectStore;
let server: PageServer | undefined;
let metrics: Server | undefined;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'musicgen-live-'));
  store = createLocalStore({ directory: join(work, 'out') });
});
afterEach(async () => {
  await server?.close();
  if (metrics) await new Promise((resolve) => metrics?.close(resolve));
  server = undefined;
  metrics = undefined;
  await rm(work, { recursive: true, force: true });
});

const progressAt = (state: RunProgress['state'], line1: RunProgress['jobs'][number]['state'], extra = {}) => {
  const progress = newerProgress(state, new Date().toISOString());
  progress.jobs[0] = { ...(progress.jobs[0] as RunProgress['jobs'][number]), state: line1, ...extra };
  return Buffer.from(JSON.stringify(progress));
};

describe('live updates (server-sent events)', () => {
  it('shows a job moving, finishing, and the run ending, without a reload', async () => {
    await store.put(
      PAGE_STORE.newer.progressKey,
      progressAt('running', 'generating', { framesDone: 10, frames: 50, window: 1, windows: 1 }),
    );
    server = await startPageServer({ store, cacheDir: join(work, 'cache'), port: 0, pollMs: 100 });
    const events = openEvents(server, '/api/events?run=run2');
    try {
      const first = (await events.next('run')) as RunView;
      expect(events.headers()?.['content-type']).toBe('text/event-stream; charset=utf-8');
      expect([
        first.state,
        first.tracks[0]?.status,
        first.tracks[0]?.audio,
        first.tracks[0]?.activity,
      ]).toEqual(['running', 'generating', false, { framesDone: 10, frames: 50, window: 1, windows: 1 }]);
      expect(
        ((await events.next('runs')) as { id: string; state: string }[]).map((r) => [r.id, r.state]),
      ).toEqual([['run2', 'running']]);

      await store.put(PAGE_STORE.calm, sineWav(1, 440));
      await store.put(PAGE_STORE.newer.progressKey, progressAt('running', 'generated'));
      const finishedJob = (await events.next(
        'run',
        (v: RunView) => v.tracks[0]?.status === 'generated',
      )) as RunView;
      expect([finishedJob.state, finishedJob.tracks[0]?.audio, finishedJob.tracks[0]?.activity]).toEqual([
        'running',
        true,
        null,
      ]);

      await store.put(PAGE_STORE.newer.reportKey, Buffer.from(JSON.stringify(NEWER_REPORT)));
      const ended = (await events.next('run', (v: RunView) => v.state !== 'running')) as RunView;
      expect([ended.state, ended.finishedAt, ended.counts]).toEqual([
        'finished',
        NEWER_REPORT.finishedAt,
        { total: 4, generated: 1, skipped: 1, failed: 1, invalid: 1, suspect: 0 },
      ]);
    } finally {
      events.close();
    }
  });

  it('feeds the GPU panel from Triton metrics, and says when they are not reachable', async () => {
    let scrape = 0;
    metrics = createServer((_req, res) => {
      scrape += 1;
      if (scrape === 3) return void res.writeHead(503).end();
      res.end(
        [
          '# TYPE nv_gpu_utilization gauge',
          'nv_gpu_utilization{gpu_uuid="GPU-0"} 0.5',
          'nv_gpu_utilization{gpu_uuid="GPU-1"} 1',
          'nv_gpu_memory_used_bytes{gpu_uuid="GPU-0"} 1073741824',
          'nv_gpu_memory_used_bytes{gpu_uuid="GPU-1"} 1073741824',
          'nv_gpu_memory_total_bytes{gpu_uuid="GPU-0"} 4294967296',
          'nv_gpu_memory_total_bytes{gpu_uuid="GPU-1"} 4294967296',
          'musicgen_lm_slots_in_use{model="musicgen_lm",version="1"} 12',
          'musicgen_lm_slots{model="musicgen_lm",version="1"} 16',
          'musicgen_lm_waiting_requests{model="musicgen_lm",version="1"} 3',
          `musicgen_lm_frames_generated_total{model="musicgen_lm",version="1"} ${scrape * 1000}`,
        ].join('\n') + '\n',
      );
    });
    await new Promise<void>((resolve) => metrics?.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(metrics.address() as { port: number }).port}/metrics`;
    server = await startPageServer({
      store,
      cacheDir: join(work, 'cache'),
      port: 0,
      pollMs: 100,
      metrics: metricsFromUrl(url),
    });
    const events = openEvents(server, '/api/events');
    try {
      expect(await events.next('gpu')).toEqual({
        reachable: true,
        utilisation: 0.75,
        memoryUsedBytes: 2 * 2 ** 30,
        memoryTotalBytes: 8 * 2 ** 30,
        slotsInUse: 12,
        slots: 16,
        waiting: 3,
        audioSecondsPerSecond: null,
      });
      const second = (await events.next('gpu')) as { audioSecondsPerSecond: number };
      // 1000 frames (20 s of audio) more, about 2 s later
      expect(second.audioSecondsPerSecond).toBeGreaterThan(5);
      expect(second.audioSecondsPerSecond).toBeLessThan(20);
      expect(await events.next('gpu')).toEqual({
        reachable: false,
        error: `Cannot read Triton's metrics as ${url} answered 503`,
      });
    } finally {
      events.close();
    }
  }, 20_000);
});
