import { MusicgenClient, TritonClient, TritonError } from '@musicgen/triton-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPreviewProcess, type PreviewProcess } from './testing/start-preview-process.js';

/** What a window ended with, and after how many ms from `since`. */
async function outcome(window: Promise<unknown>, since: () => number) {
  try {
    await window;
    return { ok: true, ms: Math.round(performance.now() - since()) };
  } catch (error) {
    const e = error as TritonError;
    return { code: e.codeName, details: e.details, ms: Math.round(performance.now() - since()) };
  }
}

describe('a preview engine frozen with SIGSTOP in the middle of a window', () => {
  let server: PreviewProcess;
  let client: TritonClient;

  beforeAll(async () => {
    server = await startPreviewProcess(['--liveness-interval-ms', '100', '--frames-per-second', '100']);
    client = new TritonClient({ address: server.address });
  }, 60_000);
  afterAll(async () => {
    client.close();
    await server.stop();
  });

  it('fails the window with DEADLINE_EXCEEDED once the server is silent for the liveness timeout', async () => {
    const musicgen = new MusicgenClient({ client });
    let frozenAt = 0;
    const seen: number[] = [];
    const watched = musicgen.generateWindow({
      text: 'frozen',
      frames: 1000, // ten seconds at 100 frames per second
      livenessTimeoutMs: 1000,
      onProgress: ({ framesDone, queuePosition }) => {
        seen.push(queuePosition ?? -1);
        if (framesDone >= 50 && frozenAt === 0) {
          server.freeze();
          frozenAt = performance.now();
        }
      },
    });
    // the same request without a liveness timeout: silence means nothing to it
    const unwatched = musicgen.generateWindow({ text: 'unwatched', frames: 1000 });
    const result = await outcome(watched, () => frozenAt);
    expect({ ...result, ms: result.ms >= 1000 && result.ms < 2500 }).toEqual({
      code: 'DEADLINE_EXCEEDED',
      details: 'no response within 1000 ms: the server stopped answering (frozen, overloaded or cut off)',
      ms: true,
    });
    expect(new Set(seen)).toEqual(new Set([0]));
    const still = await Promise.race([
      outcome(unwatched, () => 0),
      new Promise((r) => setTimeout(r, 500, 'pending')),
    ]);
    expect(still).toBe('pending');
    server.thaw();
    expect(await outcome(unwatched, () => 0)).toMatchObject({ ok: true });
  }, 60_000);
});
