import type { Verification } from './verify-server.js';

function figures(qa: Verification['takes'][number]['qa']): string {
  const loudness = qa.loudnessLufs === null ? 'none (silence)' : `${qa.loudnessLufs} LUFS`;
  return (
    `loudness ${loudness}, silence ${qa.silenceRatio}, clipping ${qa.clippingRatio}, ` +
    `flatness ${qa.flatness}, repetition ${qa.repetition}`
  );
}

/**
 * The proof as the operator reads it: what the server serves, the T5 self-test, each take's verdict and
 * figures, the notes, warnings and failures, and the verdict line (`Verify ...: PASS` or `FAIL`).
 *
 * @example
 * ```ts
 * for (const line of formatVerification(verification, 'musicgen-verified.json')) io.say(line);
 * ```
 */
export function formatVerification(verification: Verification, where: string, recordPath: string): string[] {
  const { facts, takes, judgement } = verification;
  const lm = facts?.lm;
  const served =
    lm === undefined
      ? []
      : [
          lm.modelId,
          `revision ${lm.revision ?? 'none'}`,
          `weights ${lm.weights}`,
          lm.device,
          ...Object.entries({ ...lm.dtypes, ...facts?.decode?.dtypes }).map(
            ([part, dtype]) => `${part} ${dtype}`,
          ),
        ];
  const lines = [
    lm === undefined
      ? `Verify ${where}: the server publishes no facts for musicgen_lm`
      : `Verify ${where}: ${served.join(', ')}`,
  ];
  const check = lm?.textEncoderCheck;
  if (check !== undefined) {
    lines.push(
      `  T5 self-test: ${check.finite ? 'finite' : `${check.nonFinite} non-finite values`} ` +
        `(${check.prompts} prompts, ${check.dtype}, largest |value| ${check.maxAbs})`,
    );
  }
  if (lm?.files !== undefined) lines.push(`  checkpoint files: ${Object.keys(lm.files).length} hashed`);
  for (const take of takes) {
    const verdict = take.qa.verdict === 'ok' ? 'ok' : `suspect (${take.qa.reasons.join(', ')})`;
    lines.push(
      `  take ${take.style} (seed ${take.seed}, ${take.seconds} s): ${verdict}; ${figures(take.qa)}`,
    );
  }
  for (const note of judgement.notes) lines.push(`  note: ${note}`);
  for (const warning of judgement.warnings) lines.push(`  WARNING: ${warning}`);
  for (const failure of judgement.failures) lines.push(`  FAIL: ${failure}`);
  const n = judgement.failures.length;
  lines.push(
    n === 0
      ? `Verify ${where}: PASS; the checkpoint and the figures are recorded in ${recordPath}`
      : `Verify ${where}: FAIL (${n} problem${n === 1 ? '' : 's'}); nothing recorded`,
  );
  return lines;
}
