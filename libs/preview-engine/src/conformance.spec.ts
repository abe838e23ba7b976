import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCodes } from './decode-codes.js';
import { startPreviewEngine, type PreviewEngine } from './preview-engine.js';
import { previewReferenceCodes } from './reference-codes.js';

const run = promisify(execFile);
const conformance = fileURLToPath(new URL('../conformance/', import.meta.url));
const python = fileURLToPath(new URL('../.venv/bin/python', import.meta.url));

/** Creates the venv with the pinned tritonclient (idempotent); returns why it failed, or undefined. */
async function setUpVenv(): Promise<string | undefined> {
  try {
    await run('bash', [join(conformance, 'setup-venv.sh')], { timeout: 600_000 });
    return existsSync(python) ? undefined : `no interpreter at ${python}`;
  } catch (error) {
    return (error as Error).message;
  }
}

describe("conformance with Triton's Python client (tritonclient[grpc])", () => {
  let engine: PreviewEngine;
  let directory: string;
  let venvProblem: string | undefined;

  beforeAll(async () => {
    venvProblem = await setUpVenv();
    if (venvProblem && process.env['CI'])
      throw new Error(`Cannot set up the Python venv in CI: ${venvProblem}`);
    engine = await startPreviewEngine({ maxDecodeFrames: 500 });
    directory = await mkdtemp(join(tmpdir(), 'preview-conformance-'));
  }, 660_000);
  afterAll(async () => {
    await engine?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('passes health, metadata, config, unary decode and streaming checks', async (context) => {
    if (venvProblem) {
      context.skip(`Python venv unavailable (not CI, so skipping): ${venvProblem}`);
      return;
    }
    const window = { text: 'conformance: upbeat synth in A minor', frames: 130, seed: 42 };
    const codes = previewReferenceCodes(window);
    const decodeInput = previewReferenceCodes({ text: 'bells', frames: 12, seed: 3 });
    const rows = (c: { frames: number; data: Int32Array }) =>
      [0, 1, 2, 3].map((cb) => Array.from(c.data.subarray(cb * c.frames, (cb + 1) * c.frames)));
    const expected = {
      window: { ...window, codes: rows(codes) },
      decode: {
        codes: rows(decodeInput),
        audio: Array.from(decodeCodes(decodeInput.data, decodeInput.frames)),
      },
      max_frames: 500,
    };
    const file = join(directory, 'expected.json');
    await writeFile(file, JSON.stringify(expected));
    const { stdout } = await run(
      python,
      [join(conformance, 'tritonclient_conformance.py'), '--url', engine.url, '--expected', file],
      {
        timeout: 120_000,
      },
    );
    expect(stdout).toContain('ok: stream codes equal reference\n');
    expect(stdout).toContain('ok: decode AUDIO equals reference\n');
    expect(stdout.trim().split('\n').at(-1)).toBe('CONFORMANCE OK: 27 checks');
  }, 180_000);
});
