import { FRAME_RATE_HZ, SAMPLE_RATE_HZ, type ServerFacts } from '@musicgen/contract';
import { MusicgenClient, TritonClient } from '@musicgen/triton-client';
import { assessTrack } from '@musicgen/wav';
import { judgeVerification, type Judgement } from './judge-verification.js';
import type { VerifiedTake, VerifyRecord } from './verify-record.js';
import { VERIFY_TAKE_SECONDS, VERIFY_TAKES, type VerifyTake } from './verify-takes.js';

/** What {@link verifyServer} checks. */
export interface VerifyServerOptions {
  /** Triton's gRPC address (a tunnel's local end): `127.0.0.1:40123`. */
  readonly address: string;
  /** Who the server is, for the record and messages: `127.0.0.1:8001 on root@203.0.113.7:22044`. */
  readonly where: string;
  /** The model id the deployment is for. */
  readonly expectedModelId: string;
  /** The last passing verification of that model id, to compare with. */
  readonly previous: VerifyRecord | undefined;
  readonly recordPath: string;
  /** The takes to make. Default {@link VERIFY_TAKES}, 10 s each. */
  readonly takes?: readonly VerifyTake[];
  /** When the verification ran (the record's time). Default now. */
  readonly now?: () => Date;
}

/** What {@link verifyServer} found. */
export interface Verification {
  readonly facts: ServerFacts | undefined;
  readonly takes: readonly VerifiedTake[];
  readonly judgement: Judgement;
  /** The record to store when the proof passed (no failures), else undefined. */
  readonly record: VerifyRecord | undefined;
}

/**
 * The first-deploy proof against one Triton server: reads its facts, makes the fixed takes (all at
 * once, each decoded by the server's `encodec_decode`), measures each with `assessTrack`, and judges
 * the whole with {@link judgeVerification}. The QA runs here, where Node runs (the laptop, through the
 * tunnel), not on the pod.
 *
 * @example
 * ```ts
 * const verification = await verifyServer({ address: forward.address, where, expectedModelId, previous, recordPath });
 * if (verification.judgement.failures.length > 0) process.exitCode = 1;
 * ```
 *
 * @throws {TritonError} when the server cannot be reached or fails a request (after the client's retries).
 */
export async function verifyServer(options: VerifyServerOptions): Promise<Verification> {
  const { takes = VERIFY_TAKES, now = () => new Date() } = options;
  const client = new TritonClient({ address: options.address });
  try {
    const musicgen = new MusicgenClient({ client });
    const facts = await musicgen.facts();
    const frames = VERIFY_TAKE_SECONDS * FRAME_RATE_HZ;
    const made = await Promise.all(
      takes.map(async (take): Promise<VerifiedTake> => {
        const codes = await musicgen.generateWindow({ text: take.prompt, frames, seed: take.seed });
        const audio = await musicgen.decode(codes);
        const qa = assessTrack(audio, SAMPLE_RATE_HZ);
        return {
          ...take,
          seconds: VERIFY_TAKE_SECONDS,
          qa: {
            verdict: qa.verdict,
            reasons: [...qa.reasons],
            loudnessLufs: qa.loudnessLufs,
            silenceRatio: qa.silenceRatio,
            clippingRatio: qa.clippingRatio,
            flatness: qa.flatness,
            repetition: qa.repetition,
          },
        };
      }),
    );
    const judgement = judgeVerification({
      facts,
      takes: made,
      expectedModelId: options.expectedModelId,
      previous: options.previous,
      recordPath: options.recordPath,
    });
    const lm = facts?.lm;
    const record: VerifyRecord | undefined =
      judgement.failures.length === 0 && lm?.files !== undefined && lm.textEncoderCheck !== undefined
        ? {
            verifiedAt: now().toISOString(),
            where: options.where,
            modelId: lm.modelId,
            revision: lm.revision,
            files: lm.files,
            device: lm.device,
            dtypes: { ...lm.dtypes, ...facts?.decode?.dtypes },
            textEncoderCheck: lm.textEncoderCheck,
            takes: made,
          }
        : undefined;
    return { facts, takes: made, judgement, record };
  } finally {
    client.close();
  }
}
