import type { LmFacts, ServerFacts } from '@musicgen/contract';
import type { VerifiedTake, VerifyRecord } from './verify-record.js';

/** What the proof concluded: failures (any makes it FAIL), warnings and notes (advisory). */
export interface Judgement {
  readonly failures: readonly string[];
  readonly warnings: readonly string[];
  readonly notes: readonly string[];
}

/** What {@link judgeVerification} weighs. */
export interface JudgeInput {
  readonly facts: ServerFacts | undefined;
  readonly takes: readonly VerifiedTake[];
  /** The model id the deployment is for (`MUSICGEN_MODEL_ID`). */
  readonly expectedModelId: string;
  /** The last passing verification of this model id, if any. */
  readonly previous: VerifyRecord | undefined;
  /** Where the record file is, for messages. */
  readonly recordPath: string;
}

/**
 * How far a figure may move between two verifications of the same checkpoint before it is reported as
 * moved. Sampling is seeded, but on a GPU a tiny numeric difference (another GPU model, driver or
 * kernel) can flip one sampled token and the take then goes elsewhere: a move is a warning to listen
 * to, not a failure.
 */
export const FIGURE_TOLERANCES = Object.freeze({
  loudnessLufs: 3,
  silenceRatio: 0.2,
  clippingRatio: 0.01,
  flatness: 0.1,
  repetition: 0.25,
});

/** Reasons that fail the proof: a take that is silence or noise means the deployment is broken. */
const FAILING_REASONS = new Set(['silent', 'noise']);

/**
 * Weighs the facts and the takes of a deployment: FAIL when it serves something other than MusicGen's
 * released weights of the expected model, when it cannot prove which checkpoint it loaded (no file
 * hashes or T5 self-test: contract before v1.3), when the T5 self-test found non-finite states, when
 * the revision or a file hash differs from the record of the last passing verification, when a take
 * is silent or noise, or when takes of different prompts and seeds come out with the same figures. Clipped or repetitive takes and figures that moved since the record are warnings.
 *
 * @example
 * ```ts
 * const { failures } = judgeVerification({ facts, takes, expectedModelId: 'facebook/musicgen-medium', previous, recordPath });
 * ```
 */
export function judgeVerification(input: JudgeInput): Judgement {
  const failures: string[] = [];
  const warnings: string[] = [];
  const notes: string[] = [];
  const lm = input.facts?.lm;
  if (lm === undefined) {
    failures.push(
      'the server publishes no facts for musicgen_lm (musicgen_info missing, or a contract before v1.1): deploy the current infra/',
    );
  } else {
    failures.push(...servedProblems(lm, input.expectedModelId));
    const checkpoint = checkpointProblems(lm, input.previous, input.recordPath);
    failures.push(...checkpoint.failures);
    notes.push(...checkpoint.notes);
  }
  for (const take of input.takes) {
    const failing = take.qa.reasons.filter((reason) => FAILING_REASONS.has(reason));
    const advisory = take.qa.reasons.filter((reason) => !FAILING_REASONS.has(reason));
    if (failing.length > 0) {
      failures.push(`the ${take.style} take (seed ${take.seed}) is ${failing.join(' and ')}`);
    }
    if (advisory.length > 0) {
      warnings.push(`the ${take.style} take (seed ${take.seed}) is ${advisory.join(' and ')} (advisory)`);
    }
  }
  const audible = input.takes.filter((take) => !take.qa.reasons.includes('silent'));
  if (audible.length >= 2 && audible.length === input.takes.length && allSameFigures(audible)) {
    failures.push(
      `the ${audible.length} takes of different prompts and seeds have the same figures: the model ignores its prompt and seed (broken weights or conditioning)`,
    );
  }
  if (input.previous !== undefined && lm !== undefined && sameCheckpoint(lm, input.previous)) {
    warnings.push(...movedFigures(input.takes, input.previous));
  }
  return { failures, warnings, notes };
}

function allSameFigures(takes: readonly VerifiedTake[]): boolean {
  const key = (take: VerifiedTake) => {
    const { loudnessLufs, silenceRatio, clippingRatio, flatness, repetition } = take.qa;
    return JSON.stringify([loudnessLufs, silenceRatio, clippingRatio, flatness, repetition]);
  };
  return new Set(takes.map(key)).size === 1;
}

function servedProblems(lm: LmFacts, expectedModelId: string): string[] {
  const problems: string[] = [];
  if (lm.weights === 'random') {
    problems.push(
      'the server serves random test weights (weights: random): their takes are noise, not music; deploy the released checkpoint',
    );
  } else if (lm.weights === 'preview') {
    problems.push('the server is the preview engine (a synthesiser), not MusicGen');
  }
  if (lm.modelId !== expectedModelId) {
    problems.push(`the server serves '${lm.modelId}' while the deployment is for '${expectedModelId}'`);
  }
  const check = lm.textEncoderCheck;
  if (check === undefined) {
    problems.push(
      'the server publishes no text encoder self-test (a contract before v1.3): deploy the current infra/',
    );
  } else if (!check.finite) {
    problems.push(
      `the text encoder gave ${check.nonFinite} non-finite values in its self-test (${check.dtype}): set text_encoder_dtype to float32 in musicgen_lm's config.pbtxt`,
    );
  }
  if (lm.files === undefined) {
    problems.push(
      "the server publishes no hashes of the checkpoint's files (a contract before v1.3): deploy the current infra/",
    );
  }
  return problems;
}

function checkpointProblems(
  lm: LmFacts,
  previous: VerifyRecord | undefined,
  recordPath: string,
): { failures: string[]; notes: string[] } {
  if (previous === undefined) {
    const files = lm.files === undefined ? 'no file hashes' : `${Object.keys(lm.files).length} files`;
    return {
      failures: [],
      notes: [
        `no earlier verification of ${lm.modelId} in ${recordPath}: this checkpoint (revision ${lm.revision ?? 'none'}, ${files}) becomes the expected one when the proof passes`,
      ],
    };
  }
  const failures: string[] = [];
  const deleteIt = `if the new checkpoint is intended, remove the entry of ${lm.modelId} from ${recordPath} and verify again`;
  if (lm.revision !== previous.revision) {
    failures.push(
      `the checkpoint's revision is ${lm.revision ?? 'none'}, the verification of ${previous.verifiedAt} had ${previous.revision ?? 'none'}: ${deleteIt}`,
    );
  }
  if (lm.files !== undefined) {
    const changed = fileChanges(lm.files, previous.files);
    if (changed.length > 0) {
      failures.push(
        `the checkpoint's files differ from the verification of ${previous.verifiedAt}: ${changed.join(', ')}: ${deleteIt}`,
      );
    }
  }
  return {
    failures,
    notes:
      failures.length === 0
        ? [`checkpoint: the same revision and files as the verification of ${previous.verifiedAt}`]
        : [],
  };
}

function fileChanges(
  now: Readonly<Record<string, string>>,
  before: Readonly<Record<string, string>>,
): string[] {
  const names = [...new Set([...Object.keys(now), ...Object.keys(before)])].sort();
  const changes: string[] = [];
  for (const name of names) {
    const a = before[name];
    const b = now[name];
    if (a === b) continue;
    if (a === undefined) changes.push(`${name} is new`);
    else if (b === undefined) changes.push(`${name} is gone`);
    else changes.push(`${name} has SHA-256 ${b.slice(0, 12)}… instead of ${a.slice(0, 12)}…`);
  }
  return changes;
}

function sameCheckpoint(lm: LmFacts, previous: VerifyRecord): boolean {
  return (
    lm.revision === previous.revision &&
    lm.files !== undefined &&
    fileChanges(lm.files, previous.files).length === 0
  );
}

function movedFigures(takes: readonly VerifiedTake[], previous: VerifyRecord): string[] {
  const warnings: string[] = [];
  for (const take of takes) {
    const before = previous.takes.find((t) => t.prompt === take.prompt && t.seed === take.seed);
    if (before === undefined) continue;
    const moved: string[] = [];
    for (const [name, tolerance] of Object.entries(FIGURE_TOLERANCES) as [
      keyof typeof FIGURE_TOLERANCES,
      number,
    ][]) {
      const a = before.qa[name];
      const b = take.qa[name];
      if (a === null || b === null) {
        if (a !== b) moved.push(`${name} ${a ?? 'none'} → ${b ?? 'none'}`);
      } else if (Math.abs(a - b) > tolerance) {
        moved.push(`${name} ${a} → ${b}`);
      }
    }
    if (moved.length > 0) {
      warnings.push(
        `the ${take.style} take moved since the verification of ${previous.verifiedAt} with the same checkpoint and seed (${moved.join(', ')}): something changed (code, dtypes, GPU or driver); listen to it`,
      );
    }
  }
  return warnings;
}
