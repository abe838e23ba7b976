import { startPreviewEngine, type PreviewEngine } from '@musicgen/preview-engine';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import { connectBackend, type ConnectedBackend } from './connect-backend.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});
async function engine(host: string, port = 0): Promise<PreviewEngine> {
  const e = await startPreviewEngine({ host, port, maxConcurrentRequests: 3 });
  cleanups.push(() => e.close());
  return e;
}
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('gave up waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('connectBackend with a dns:/// name', () => {
  it('follows the answer: an address that leaves and comes back is taken again, and still answers', async () => {
    const a = await engine('127.0.0.2');
    await engine('127.0.0.3', a.port);
    let answer = ['127.0.0.2', '127.0.0.3'];
    const lines: string[] = [];
    const connected: ConnectedBackend = await connectBackend([`dns:///engines.test:${a.port}`], {
      resolver: async (name) => (name === 'engines.test' ? answer : []),
      refreshMs: 30,
      notify: (line) => lines.push(line),
    });
    cleanups.push(() => connected.close());
    const live = () => connected.live().map((e) => [e.address, e.capacity, e.source]);
    const [x, y] = [`127.0.0.2:${a.port}`, `127.0.0.3:${a.port}`];
    const name = `dns:///engines.test:${a.port}`;
    expect(live()).toEqual([
      [x, 3, name],
      [y, 3, name],
    ]);
    let changes = 0;
    connected.onChange(() => changes++);
    answer = ['127.0.0.2'];
    await until(() => connected.live().length === 1);
    answer = ['127.0.0.2', '127.0.0.3'];
    await until(() => connected.live().length === 2);
    expect(live()).toEqual([
      [x, 3, name],
      [y, 3, name],
    ]);
    expect(lines).toEqual([
      `Triton ${y} left ${name}; its windows in flight finish first`,
      `Triton ${y} joined ${name}: 3 slots, 2 endpoints now`,
    ]);
    expect(changes).toBe(2);
    // both answer windows, the one that came back too (its old client, closed when it left, is not used)
    const codes = await Promise.all(
      Array.from({ length: 6 }, (_, i) => connected.backend.generateWindow({ text: `w${i}`, frames: 5 })),
    );
    expect(codes.map((c) => c.frames)).toEqual([5, 5, 5, 5, 5, 5]);
    expect(connected.load().map((l) => [l.address, l.peakWindows > 0])).toEqual([
      [x, true],
      [y, false], // the member that left took no window
      [y, true],
    ]);
  });

  it('waits for the name to resolve, then fails in one line naming it', async () => {
    const started = Date.now();
    const error = await connectBackend(['dns:///nothing.test:8001'], {
      resolver: async () => [],
      refreshMs: 50,
      waitMs: 200,
    }).catch((e: unknown) => e);
    expect(error).toEqual(
      new ConfigError(
        'Cannot reach Triton at dns:///nothing.test:8001 as no server answered there within 0.2 s (it resolves to no address): check the name and that a replica is ready',
      ),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });
});
