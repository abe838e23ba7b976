import { SAMPLE_RATE_HZ, type LmFacts, type ServerFacts } from '@musicgen/contract';
import type { PreviewEngine } from '@musicgen/preview-engine';
import { startPreviewDouble, type PreviewDoubleOptions } from '@musicgen/preview-engine/testing';
import { MusicgenClient, TritonClient } from '@musicgen/triton-client';
import { assessTrack } from '@musicgen/wav';
import { afterEach, describe, expect, it } from 'vitest';
import type { VerifiedTake, VerifyRecord } from './verify-record.js';
import { formatVerification } from './format-verification.js';
import { verifyServer } from './verify-server.js';
import { VERIFY_TAKES } from './verify-takes.js';

const MEDIUM = 'facebook/musicgen-medium';
const FILES = { 'config.json': 'a1'.repeat(32), 'model.safetensors': 'b2'.repeat(32) };
const CHECK = { finite: true, nonFinite: 0, maxAbs: 0.4375, prompts: 3, dtype: 'float16' };
const NOW = new Date('2026-12-01T10:00:00Z');
const RECORD_PATH = '/repo/musicgen-verified.json';

/** The double's facts made to look like a GPU server of contract v1.3 serving `lm` overrides. */
function gpuFacts(lm: Partial<LmFacts> = {}) {
  return (facts: ServerFacts): ServerFacts => ({
    ...facts,
    lm: {
      ...(facts.lm as LmFacts),
      modelId: MEDIUM,
      revision: 'e52f6b5',
      weights: 'pretrained',
      device: 'cuda:0',
      dtypes: { text_encoder: 'float32', decoder: 'float16' },
      files: FILES,
      textEncoderCheck: CHECK,
      ...lm,
    },
  });
}

const engines: PreviewEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});
async function double(options: PreviewDoubleOptions): Promise<PreviewEngine> {
  const engine = await startPreviewDouble(options);
  engines.push(engine);
  return engine;
}

/** The takes the proof should see from `engine`, measured here on their own. */
async function expectedTakes(engine: PreviewEngine): Promise<VerifiedTake[]> {
  const client = new TritonClient({ address: engine.url });
  try {
    const musicgen = new MusicgenClient({ client });
    return await Promise.all(
      VERIFY_TAKES.map(async (take) => {
        const audio = await musicgen.decode(
          await musicgen.generateWindow({ text: take.prompt, frames: 500, seed: take.seed }),
        );
        const { verdict, reasons, ...figures } = assessTrack(audio, SAMPLE_RATE_HZ);
        return { ...take, seconds: 10, qa: { verdict, reasons: [...reasons], ...figures } };
      }),
    );
  } finally {
    client.close();
  }
}

const verify = (engine: PreviewEngine, previous?: VerifyRecord, takes = VERIFY_TAKES) =>
  verifyServer({
    address: engine.url,
    where: 'pod-1',
    expectedModelId: MEDIUM,
    previous,
    recordPath: RECORD_PATH,
    takes,
    now: () => NOW,
  });
/** One take is enough where only the facts are judged. */
const ONE_TAKE = VERIFY_TAKES.slice(0, 1);

let allTakes: VerifiedTake[] | undefined;
/** The four takes of an engine that makes no bad ones (the same for every such engine), measured once. */
async function goodTakes(engine: PreviewEngine): Promise<VerifiedTake[]> {
  allTakes ??= await expectedTakes(engine);
  return allTakes;
}

describe('verifyServer (the first-deploy proof) against a preview engine posing as a GPU server', () => {
  it('passes a good deployment with no earlier record and returns the record to keep', async () => {
    const engine = await double({ facts: gpuFacts() });
    const takes = await goodTakes(engine);
    const verification = await verify(engine);
    expect(takes.map((t) => t.qa.reasons.filter((r) => r === 'silent' || r === 'noise'))).toEqual([
      [],
      [],
      [],
      [],
    ]);
    expect(verification.takes).toEqual(takes);
    expect(verification.judgement).toEqual({
      failures: [],
      warnings: takes
        .filter((t) => t.qa.verdict === 'suspect')
        .map((t) => `the ${t.style} take (seed ${t.seed}) is ${t.qa.reasons.join(' and ')} (advisory)`),
      notes: [
        `no earlier verification of ${MEDIUM} in ${RECORD_PATH}: this checkpoint (revision e52f6b5, 2 files) becomes the expected one when the proof passes`,
      ],
    });
    expect(verification.record).toEqual({
      verifiedAt: '2026-12-01T10:00:00.000Z',
      where: 'pod-1',
      modelId: MEDIUM,
      revision: 'e52f6b5',
      files: FILES,
      device: 'cuda:0',
      dtypes: { text_encoder: 'float32', decoder: 'float16' },
      textEncoderCheck: CHECK,
      takes,
    });
    const lines = formatVerification(verification, 'pod-1', RECORD_PATH);
    expect(lines.slice(0, 3)).toEqual([
      `Verify pod-1: ${MEDIUM}, revision e52f6b5, weights pretrained, cuda:0, text_encoder float32, decoder float16`,
      '  T5 self-test: finite (3 prompts, float16, largest |value| 0.4375)',
      '  checkpoint files: 2 hashed',
    ]);
    const piano = takes[0] as VerifiedTake;
    expect(lines[3]).toBe(
      `  take piano (seed 1001, 10 s): ${piano.qa.verdict === 'ok' ? 'ok' : `suspect (${piano.qa.reasons.join(', ')})`}; ` +
        `loudness ${piano.qa.loudnessLufs} LUFS, silence ${piano.qa.silenceRatio}, clipping ${piano.qa.clippingRatio}, ` +
        `flatness ${piano.qa.flatness}, repetition ${piano.qa.repetition}`,
    );
    expect(lines.at(-1)).toBe(
      `Verify pod-1: PASS; the checkpoint and the figures are recorded in ${RECORD_PATH}`,
    );
  });

  it('fails loudly when the revision or a file hash is not the recorded one, and records nothing', async () => {
    const engine = await double({
      facts: gpuFacts({
        revision: 'f00dbab',
        files: {
          'config.json': FILES['config.json'],
          'model.safetensors': 'c3'.repeat(32),
          'extra.bin': 'd4'.repeat(32),
        },
      }),
    });
    const previous: VerifyRecord = {
      verifiedAt: '2026-11-30T09:00:00.000Z',
      where: 'pod-0',
      modelId: MEDIUM,
      revision: 'e52f6b5',
      files: FILES,
      device: 'cuda:0',
      dtypes: {},
      textEncoderCheck: CHECK,
      takes: [],
    };
    const verification = await verify(engine, previous, ONE_TAKE);
    const deleteIt = `if the new checkpoint is intended, remove the entry of ${MEDIUM} from ${RECORD_PATH} and verify again`;
    expect(verification.judgement.failures).toEqual([
      `the checkpoint's revision is f00dbab, the verification of 2026-11-30T09:00:00.000Z had e52f6b5: ${deleteIt}`,
      `the checkpoint's files differ from the verification of 2026-11-30T09:00:00.000Z: extra.bin is new, model.safetensors has SHA-256 c3c3c3c3c3c3… instead of b2b2b2b2b2b2…: ${deleteIt}`,
    ]);
    expect(verification.record).toBeUndefined();
    expect(formatVerification(verification, 'pod-1', RECORD_PATH).at(-1)).toBe(
      'Verify pod-1: FAIL (2 problems); nothing recorded',
    );
  });

  it('fails a silent take and a noise take, and a T5 self-test with non-finite states', async () => {
    const engine = await double({
      silentSeeds: [1001],
      noiseSeeds: [1003],
      facts: gpuFacts({ textEncoderCheck: { ...CHECK, finite: false, nonFinite: 1536 } }),
    });
    const verification = await verify(engine);
    expect(verification.judgement.failures).toEqual([
      "the text encoder gave 1536 non-finite values in its self-test (float16): set text_encoder_dtype to float32 in musicgen_lm's config.pbtxt",
      'the piano take (seed 1001) is silent',
      'the orchestral take (seed 1003) is noise',
    ]);
    expect(verification.takes.map((t) => [t.style, t.qa.loudnessLufs, t.qa.reasons])).toEqual([
      ['piano', null, ['silent']],
      ['rock', verification.takes[1]?.qa.loudnessLufs, verification.takes[1]?.qa.reasons],
      ['orchestral', verification.takes[2]?.qa.loudnessLufs, ['noise']],
      ['electronic', verification.takes[3]?.qa.loudnessLufs, verification.takes[3]?.qa.reasons],
    ]);
    expect(verification.record).toBeUndefined();
  });

  it('fails takes of different prompts and seeds that come out the same', async () => {
    const engine = await double({ noiseSeeds: [1001, 1002], facts: gpuFacts() });
    const verification = await verify(engine, undefined, VERIFY_TAKES.slice(0, 2));
    expect(verification.judgement.failures).toEqual([
      'the piano take (seed 1001) is noise',
      'the rock take (seed 1002) is noise',
      'the 2 takes of different prompts and seeds have the same figures: the model ignores its prompt and seed (broken weights or conditioning)',
    ]);
  });

  it('fails the preview engine as it is: not MusicGen, another model, no proof of its checkpoint', async () => {
    const verification = await verify(await double({}), undefined, ONE_TAKE);
    expect(verification.judgement.failures).toEqual([
      'the server is the preview engine (a synthesiser), not MusicGen',
      `the server serves 'musicgen-preview' while the deployment is for '${MEDIUM}'`,
      'the server publishes no text encoder self-test (a contract before v1.3): deploy the current infra/',
      "the server publishes no hashes of the checkpoint's files (a contract before v1.3): deploy the current infra/",
    ]);
  });

  it('warns when a take of the same checkpoint and seed moved since the record', async () => {
    const engine = await double({ facts: gpuFacts() });
    const piano = (await goodTakes(engine))[0] as VerifiedTake;
    const loudness = piano.qa.loudnessLufs as number;
    const previous: VerifyRecord = {
      verifiedAt: '2026-11-30T09:00:00.000Z',
      where: 'pod-0',
      modelId: MEDIUM,
      revision: 'e52f6b5',
      files: FILES,
      device: 'cuda:0',
      dtypes: {},
      textEncoderCheck: CHECK,
      takes: [
        { ...piano, qa: { ...piano.qa, loudnessLufs: loudness - 10, flatness: piano.qa.flatness + 0.05 } },
      ],
    };
    const verification = await verify(engine, previous, ONE_TAKE);
    expect(verification.judgement.failures).toEqual([]);
    expect(verification.judgement.notes).toEqual([
      'checkpoint: the same revision and files as the verification of 2026-11-30T09:00:00.000Z',
    ]);
    const advisory =
      piano.qa.reasons.length === 0
        ? []
        : [`the piano take (seed 1001) is ${piano.qa.reasons.join(' and ')} (advisory)`];
    expect(verification.judgement.warnings).toEqual([
      ...advisory,
      `the piano take moved since the verification of 2026-11-30T09:00:00.000Z with the same checkpoint and seed (loudnessLufs ${loudness - 10} → ${loudness}): something changed (code, dtypes, GPU or driver); listen to it`,
    ]);
  });
});
