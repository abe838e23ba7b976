// A consumer outside the workspace. It imports each packed library by its package name only (the
// packages resolve to their built dist/), and runs one small job through all of them: parse a prompt
// line, plan its windows, generate and decode the first window on the preview engine over gRPC, encode
// a WAV (with the contract's sample rate) and store it with metadata in a local folder, then ask
// whether the job is done. It also reads a command line through a flag table of the CLI kit.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planWindows } from '@musicgen/chunking';
import { defineFlags, defineProgram, integer } from '@musicgen/cli';
import { SAMPLE_RATE_HZ, samplesForFrames } from '@musicgen/contract';
import { startPreviewEngine } from '@musicgen/preview-engine';
import { parsePrompts } from '@musicgen/prompts';
import { encodeAudioMetadata, isJobDone, openStore } from '@musicgen/store';
import { MusicgenClient, TritonClient } from '@musicgen/triton-client';
import { encodeWav } from '@musicgen/wav';

const parsed = await parsePrompts('calm piano ; 45 ; piano\nbad line without fields\n', {
  source: 'prompts.txt',
});
const job = parsed.jobs[0];
if (job === undefined) throw new Error('expected one job');
const plan = planWindows(job.frames, job.seed);
const program = defineProgram({
  name: 'consumer',
  version: '1.0.0',
  description: 'A consumer of the packed libraries.',
  flags: defineFlags({
    windows: {
      flags: '--windows <n>',
      description: 'windows',
      parse: integer({ min: 1, max: 8 }),
      default: 1,
    },
  }),
});
const options = program.parse(['--windows', String(plan.windows.length)], {
  env: {},
  writeOut: () => undefined,
});

const engine = await startPreviewEngine({ port: 0, host: '127.0.0.1' });
const client = new TritonClient({ address: `127.0.0.1:${engine.port}` });
const folder = await mkdtemp(join(tmpdir(), 'musicgen-consumer-'));
try {
  const musicgen = new MusicgenClient({ client });
  const codes = await musicgen.generateWindow({ text: job.prompt, frames: 50, seed: BigInt(job.seed) });
  const audio = await musicgen.decode(codes);
  const wav = encodeWav([audio], { sampleRate: SAMPLE_RATE_HZ, format: 'pcm16' });
  const store = await openStore(folder);
  const metadata = encodeAudioMetadata({
    prompt: job.prompt,
    durationSeconds: audio.length / SAMPLE_RATE_HZ,
    model: job.modelId,
    seed: job.seed,
    identityHash: job.identityHash,
  });
  await store.put(job.key, wav, { metadata, contentType: 'audio/wav' });
  const done = await isJobDone(store, job.key, job.identityHash);
  console.log(
    JSON.stringify({
      jobs: parsed.jobs.length,
      errors: parsed.errors.map((e) => [e.line, e.column]),
      keyShape: /^piano_[0-9a-f]{8}\.wav$/.test(job.key),
      windows: plan.windows.map((w) => [w.contextFrames, w.newFrames]),
      cliWindows: options?.options.windows,
      codes: [codes.frames, codes.data.length],
      samples: audio.length === samplesForFrames(50),
      wavBytes: wav.byteLength,
      done: done.done,
    }),
  );
} finally {
  client.close();
  await engine.close();
  await rm(folder, { recursive: true, force: true });
}
