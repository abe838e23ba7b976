import { stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startPreviewEngine, type PreviewEngine } from '@musicgen/preview-engine';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli, tempWorkspace, wavFiles } from './testing/cli-process.js';
import { startDnsServer } from './testing/start-dns-server.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});

/** A port free on 127.0.0.2, .3 and .4 a moment ago (the engines share it, as replicas behind one name do). */
async function portFreeOn(hosts: readonly string[]): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, hosts[0], () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const free = await Promise.all(
      hosts.map(
        (host) =>
          new Promise<boolean>((resolve) => {
            const probe = createServer()
              .once('error', () => resolve(false))
              .listen(port, host, () => probe.close(() => resolve(true)));
          }),
      ),
    );
    if (free.every(Boolean)) return port;
  }
}

const JOBS = 30;
const prompts =
  Array.from({ length: JOBS }, (_, i) => `spread texture ${i} ; 1 ; spread${i} ; seed=${i}`).join('\n') +
  '\n';

describe('musicgen-batch --triton dns:///name:port (one name, every address an endpoint)', () => {
  it('spreads work over every address, survives an engine killed mid-run, and takes a new one: nothing lost', async () => {
    const hosts = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
    const port = await portFreeOn(hosts);
    const engines = new Map<string, PreviewEngine>();
    const start = async (host: string) => {
      // Two slots, one second per one-second window: the run lasts long enough for replicas to change.
      const engine = await startPreviewEngine({ host, port, maxConcurrentRequests: 2, framesPerSecond: 50 });
      engines.set(host, engine);
    };
    cleanups.push(async () => {
      for (const engine of engines.values()) await engine.close();
    });
    await start('127.0.0.2');
    await start('127.0.0.3');
    const dns = await startDnsServer();
    cleanups.push(() => dns.close());
    dns.set('engines.test', ['127.0.0.2', '127.0.0.3']);
    const ws = await tempWorkspace(prompts);
    cleanups.push(() => ws.close());
    const name = `dns:///engines.test:${port}`;
    const run = startCli(['--prompts=prompts.txt', `--triton=${name}`, '--dns-refresh=1', '--json'], {
      cwd: ws.dir,
      env: { MUSICGEN_DNS_SERVER: dns.address },
    });
    await run.waitForStderr(/: generated: /);
    // A replica dies (its streams end with UNAVAILABLE) and leaves the name; another one appears.
    await engines.get('127.0.0.2')?.close();
    engines.delete('127.0.0.2');
    await start('127.0.0.4');
    dns.set('engines.test', ['127.0.0.3', '127.0.0.4']);
    const { code, stdout, stderr } = await run.done;
    expect(code, stderr).toBe(0);
    const [a, b, c] = hosts.map((h) => `${h}:${port}`);
    expect(stderr).toContain(
      `${JOBS} jobs from prompts.txt (${JOBS} to run, 0 duplicate lines, 0 invalid lines) into ${join(ws.dir, 'output')}, 6 windows in flight on ${name}`,
    );
    expect(stderr).toContain(`Triton ${a} left ${name}; its windows in flight finish first`);
    expect(stderr).toContain(`Triton ${c} joined ${name}: 2 slots, 2 endpoints now`);

    const report = JSON.parse(stdout);
    expect(report.summary).toMatchObject({ generated: JOBS, skipped: 0, failed: 0 });
    const keys = report.jobs.map((j: { key: string }) => j.key).sort();
    expect(new Set(keys).size).toBe(JOBS);
    expect(await wavFiles(join(ws.dir, 'output'))).toEqual(keys);
    for (const key of keys) expect((await stat(join(ws.dir, 'output', key))).size).toBe(44 + 50 * 640 * 2);
    // Every replica took windows, the one that joined mid-run too.
    const servers = report.servers.map((s: { address: string; peakInFlight: number }) => [
      s.address,
      s.peakInFlight > 0,
    ]);
    expect(servers).toEqual([
      [a, true],
      [b, true],
      [c, true],
    ]);
    expect(dns.queries('engines.test')).toBeGreaterThan(2);
  }, 120_000);
});
