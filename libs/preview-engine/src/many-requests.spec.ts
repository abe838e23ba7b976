import { MusicgenClient, TritonClient, type GenerateWindowRequest } from '@musicgen/triton-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prng } from './prng.js';
import { startPreviewEngine, type PreviewEngine } from './preview-engine.js';
import { previewReferenceCodes, type PreviewWindowRequest } from './reference-codes.js';

const WORDS = [
  'lofi',
  'piano',
  'sad',
  'upbeat',
  'synth',
  'strings',
  'in A minor',
  '128 bpm',
  'ambient',
  'drums',
  'bells',
  'héllo ✨',
  '',
];

/** A random valid musicgen_lm request (every optional input sometimes absent). */
function randomRequest(rng: Prng): PreviewWindowRequest {
  const promptFrames = rng.next() < 0.4 ? 1 + rng.int(600) : 0;
  const maybe = <T>(make: () => T): T | undefined => (rng.next() < 0.7 ? make() : undefined);
  return {
    text: Array.from({ length: rng.int(4) }, () => rng.pick(WORDS)).join(' '),
    frames: 1 + rng.int(1500 - promptFrames),
    promptCodes:
      promptFrames > 0
        ? { frames: promptFrames, data: Int32Array.from({ length: 4 * promptFrames }, () => rng.int(2048)) }
        : undefined,
    seed: maybe(() => BigInt.asIntN(64, (BigInt(rng.nextUint32()) << 32n) | BigInt(rng.nextUint32()))),
    guidance: maybe(() => rng.next() * 5),
    topK: maybe(() => rng.int(300)),
    topP: maybe(() => (rng.next() < 0.5 ? 0 : rng.next())),
    temperature: maybe(() => rng.next() * 1.5),
  };
}

describe('500 random requests over one stream', () => {
  let engine: PreviewEngine;
  let client: TritonClient;

  beforeAll(async () => {
    // every request generates at once, so that hundreds are in flight on the one stream
    engine = await startPreviewEngine({ maxConcurrentRequests: 500 });
    client = new TritonClient({ address: engine.url });
  });
  afterAll(async () => {
    client.close();
    await engine.close();
  });

  it('returns exactly what the deterministic reference says for every request', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(`${warning.name}: ${warning.message}`);
    };
    process.on('warning', onWarning);
    const rng = new Prng(20240501);
    const requests = Array.from({ length: 500 }, () => randomRequest(rng));
    const musicgen = new MusicgenClient({ client });
    let peakInFlight = 0;
    const results = await Promise.all(
      requests.map((request) =>
        musicgen.generateWindow({
          ...(request as GenerateWindowRequest),
          onProgress: () => {
            peakInFlight = Math.max(peakInFlight, client.streamRequestsInFlight);
          },
        }),
      ),
    );
    expect(peakInFlight).toBeGreaterThan(100);
    let mismatches = 0;
    results.forEach((codes, i) => {
      const expected = previewReferenceCodes(requests[i] as PreviewWindowRequest);
      if (
        codes.frames !== expected.frames ||
        !Buffer.from(codes.data.buffer, codes.data.byteOffset, codes.data.byteLength).equals(
          Buffer.from(expected.data.buffer),
        )
      ) {
        mismatches++;
      }
    });
    process.off('warning', onWarning);
    expect({ requests: results.length, mismatches }).toEqual({ requests: 500, mismatches: 0 });
    // Waiting writers share one drain listener: no MaxListenersExceededWarning however many wait.
    expect(warnings).toEqual([]);
  }, 120_000);
});
