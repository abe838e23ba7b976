// The README's example, kept here so typecheck compiles it against the real API.
// Run against a Triton endpoint (or the preview engine):
//   npx tsx --conditions=@musicgen/source libs/triton-client/examples/generate-and-decode.ts 127.0.0.1:8001
import { SAMPLE_RATE_HZ, sliceCodes } from '@musicgen/contract';
import { MusicgenClient, TritonClient, TritonError } from '../src/index.js';

const client = new TritonClient({ address: process.argv[2] ?? '127.0.0.1:8001' });
const musicgen = new MusicgenClient({ client });
try {
  if (!(await client.serverReady()) || !(await client.modelReady('musicgen_lm'))) {
    throw new Error('Triton is up but not ready');
  }
  console.log((await client.modelMetadata('musicgen_lm')).platform);

  const codes = await musicgen.generateWindow({
    text: 'warm lofi piano with soft drums, 80 bpm',
    frames: 500, // 10 s at 50 frames/s
    seed: 42n,
    onProgress: ({ framesDone, frames }) => console.log(`${framesDone}/${frames} frames`),
    signal: AbortSignal.timeout(120_000),
  });
  const next = await musicgen.generateWindow({
    text: 'warm lofi piano with soft drums, 80 bpm',
    frames: 900,
    promptCodes: sliceCodes(codes, codes.frames - 100, codes.frames),
    seed: 43n,
  });
  const audio = await musicgen.decode(codes); // Float32Array, mono, 32 kHz
  console.log(`${audio.length / SAMPLE_RATE_HZ} s of audio, then ${next.frames} more frames`);

  const result = await client.infer(
    {
      model: 'encodec_decode',
      inputs: [{ name: 'CODES', datatype: 'INT32', shape: [1, 4, codes.frames], data: codes.data }],
    },
    { idempotent: true, deadlineMs: 30_000 },
  );
  console.log(result.outputs['AUDIO']?.shape);
} catch (error) {
  if (error instanceof TritonError)
    console.error(error.codeName, error.model, error.requestId, error.details);
  throw error;
} finally {
  client.close();
}
